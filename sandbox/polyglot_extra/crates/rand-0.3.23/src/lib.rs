//! A stand-in for rand 0.3's API, written for godelbox's Polyglot image: crates.io is not
//! reachable there, Debian ships only rand 0.8, and the robot-name exercise's reference solution
//! uses the 0.3 names (`thread_rng`, `Rng::choose`, `Rng::gen_range(low, high)`). The generator
//! is xorshift64*, seeded from the clock: fine for tests, not for cryptography.

use std::cell::Cell;
use std::time::{SystemTime, UNIX_EPOCH};

pub trait Rng {
    fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    fn next_u64(&mut self) -> u64;

    fn choose<'a, T>(&mut self, values: &'a [T]) -> Option<&'a T> {
        if values.is_empty() {
            None
        } else {
            Some(&values[(self.next_u64() % values.len() as u64) as usize])
        }
    }

    fn gen_range<T: SampleRange>(&mut self, low: T, high: T) -> T
    where
        Self: Sized,
    {
        T::sample(self, low, high)
    }

    fn shuffle<T>(&mut self, values: &mut [T]) {
        for i in (1..values.len()).rev() {
            let j = (self.next_u64() % (i as u64 + 1)) as usize;
            values.swap(i, j);
        }
    }
}

pub trait SampleRange: Sized {
    fn sample<R: Rng>(rng: &mut R, low: Self, high: Self) -> Self;
}

macro_rules! sample_int {
    ($($t:ty),*) => {$(
        impl SampleRange for $t {
            fn sample<R: Rng>(rng: &mut R, low: Self, high: Self) -> Self {
                assert!(low < high, "Rng::gen_range called with low >= high");
                let span = (high as i128 - low as i128) as u128;
                (low as i128 + (rng.next_u64() as u128 % span) as i128) as $t
            }
        }
    )*};
}

sample_int!(u8, u16, u32, u64, usize, i8, i16, i32, i64, isize);

pub struct ThreadRng {
    state: u64,
}

impl Rng for ThreadRng {
    fn next_u64(&mut self) -> u64 {
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        self.state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

thread_local! {
    static CALLS: Cell<u64> = Cell::new(0);
}

pub fn thread_rng() -> ThreadRng {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(1);
    let call = CALLS.with(|c| {
        c.set(c.get().wrapping_add(0x9E37_79B9_7F4A_7C15));
        c.get()
    });
    ThreadRng { state: (nanos ^ call) | 1 }
}
