//! A stand-in for the `counter` crate 0.5, written for godelbox's Polyglot image: crates.io is
//! not reachable there, and the poker exercise's reference solution counts with it. Same names:
//! `Counter` (a `HashMap` of counts, built from an iterator), `most_common`,
//! `most_common_tiebreaker` and `most_common_ordered`.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::hash::Hash;
use std::iter::FromIterator;
use std::ops::{Deref, DerefMut};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Counter<T: Hash + Eq> {
    map: HashMap<T, usize>,
}

impl<T: Hash + Eq> Counter<T> {
    pub fn new() -> Self {
        Counter { map: HashMap::new() }
    }

    pub fn init<I: IntoIterator<Item = T>>(iterable: I) -> Self {
        iterable.into_iter().collect()
    }

    pub fn update<I: IntoIterator<Item = T>>(&mut self, iterable: I) {
        for item in iterable {
            *self.map.entry(item).or_insert(0) += 1;
        }
    }
}

impl<T: Hash + Eq> Default for Counter<T> {
    fn default() -> Self {
        Counter::new()
    }
}

impl<T: Hash + Eq + Clone> Counter<T> {
    /// (item, count) pairs from most to least common; equal counts in no particular order.
    pub fn most_common(&self) -> Vec<(T, usize)> {
        self.most_common_tiebreaker(|_, _| Ordering::Equal)
    }

    /// (item, count) pairs from most to least common; equal counts ordered by `tiebreaker`.
    pub fn most_common_tiebreaker<F: Fn(&T, &T) -> Ordering>(&self, tiebreaker: F) -> Vec<(T, usize)> {
        let mut items: Vec<(T, usize)> = self.map.iter().map(|(k, v)| (k.clone(), *v)).collect();
        items.sort_by(|(a, a_count), (b, b_count)| b_count.cmp(a_count).then_with(|| tiebreaker(a, b)));
        items
    }
}

impl<T: Hash + Eq + Clone + Ord> Counter<T> {
    /// (item, count) pairs from most to least common; equal counts by ascending item.
    pub fn most_common_ordered(&self) -> Vec<(T, usize)> {
        self.most_common_tiebreaker(|a, b| a.cmp(b))
    }
}

impl<T: Hash + Eq> Deref for Counter<T> {
    type Target = HashMap<T, usize>;

    fn deref(&self) -> &Self::Target {
        &self.map
    }
}

impl<T: Hash + Eq> DerefMut for Counter<T> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.map
    }
}

impl<T: Hash + Eq> FromIterator<T> for Counter<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut counter = Counter::new();
        counter.update(iter);
        counter
    }
}
