package io.reactivex;

import io.reactivex.disposables.Disposable;
import io.reactivex.functions.BiFunction;
import io.reactivex.functions.Consumer;
import io.reactivex.functions.Function;
import io.reactivex.functions.Predicate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;

/**
 * A synchronous stand-in for RxJava 2's Observable, written for godelbox: the Polyglot Java
 * track's hangman exercise is built on RxJava 2, which comes from Maven Central, a registry these
 * machines cannot reach. Same package, names and signals (onSubscribe, onNext*, then onError or
 * onComplete); every operator runs on the subscribing thread.
 */
public abstract class Observable<T> implements ObservableSource<T> {

    protected abstract void subscribeActual(Observer<? super T> observer);

    @Override
    public final void subscribe(Observer<? super T> observer) {
        subscribeActual(Objects.requireNonNull(observer, "observer is null"));
    }

    // -- sources -------------------------------------------------------------------------------

    public static <T> Observable<T> create(ObservableOnSubscribe<T> source) {
        return new Observable<T>() {
            @Override
            protected void subscribeActual(Observer<? super T> observer) {
                Emitter<T> emitter = new Emitter<>(observer);
                observer.onSubscribe(emitter);
                try {
                    source.subscribe(emitter);
                } catch (Throwable error) {
                    emitter.onError(error);
                }
            }
        };
    }

    @SafeVarargs
    public static <T> Observable<T> fromArray(T... items) {
        return fromIterable(Arrays.asList(items));
    }

    public static <T> Observable<T> fromIterable(Iterable<? extends T> items) {
        return create(emitter -> {
            for (T item : items) {
                if (emitter.isDisposed()) {
                    return;
                }
                emitter.onNext(item);
            }
            emitter.onComplete();
        });
    }

    public static <T> Observable<T> just(T item) {
        return fromIterable(Collections.singletonList(item));
    }

    public static <T> Observable<T> empty() {
        return fromIterable(Collections.<T>emptyList());
    }

    public static <T> Observable<T> error(Throwable error) {
        return create(emitter -> emitter.onError(error));
    }

    public static <T1, T2, R> Observable<R> combineLatest(
            ObservableSource<? extends T1> source1,
            ObservableSource<? extends T2> source2,
            BiFunction<? super T1, ? super T2, ? extends R> combiner) {
        return new Observable<R>() {
            @Override
            protected void subscribeActual(Observer<? super R> observer) {
                new CombineLatest<T1, T2, R>(observer, combiner).run(source1, source2);
            }
        };
    }

    // -- operators -----------------------------------------------------------------------------

    public final <R> Observable<R> map(Function<? super T, ? extends R> mapper) {
        return lift(down -> new Relay<T, R>(down) {
            @Override
            public void onNext(T value) {
                if (!done) {
                    R mapped;
                    try {
                        mapped = mapper.apply(value);
                    } catch (Throwable error) {
                        fail(error);
                        return;
                    }
                    downstream.onNext(mapped);
                }
            }
        });
    }

    public final Observable<T> filter(Predicate<? super T> predicate) {
        return lift(down -> new Relay<T, T>(down) {
            @Override
            public void onNext(T value) {
                if (!done) {
                    boolean keep;
                    try {
                        keep = predicate.test(value);
                    } catch (Throwable error) {
                        fail(error);
                        return;
                    }
                    if (keep) {
                        downstream.onNext(value);
                    }
                }
            }
        });
    }

    public final Observable<T> skip(long count) {
        return lift(down -> new Relay<T, T>(down) {
            long remaining = count;

            @Override
            public void onNext(T value) {
                if (remaining > 0) {
                    remaining--;
                } else if (!done) {
                    downstream.onNext(value);
                }
            }
        });
    }

    public final Observable<T> take(long count) {
        return lift(down -> new Relay<T, T>(down) {
            long remaining = count;

            @Override
            public void onSubscribe(Disposable d) {
                super.onSubscribe(d);
                if (remaining <= 0) {
                    dispose();
                    onComplete();
                }
            }

            @Override
            public void onNext(T value) {
                if (!done && remaining > 0) {
                    remaining--;
                    downstream.onNext(value);
                    if (remaining == 0) {
                        dispose();
                        onComplete();
                    }
                }
            }
        });
    }

    public final <R> Observable<R> scan(R seed, BiFunction<R, ? super T, R> accumulator) {
        return lift(down -> new Relay<T, R>(down) {
            R state = seed;

            @Override
            public void onSubscribe(Disposable d) {
                super.onSubscribe(d);
                downstream.onNext(state);
            }

            @Override
            public void onNext(T value) {
                if (!done) {
                    try {
                        state = Objects.requireNonNull(
                                accumulator.apply(state, value), "accumulator returned null");
                    } catch (Throwable error) {
                        fail(error);
                        return;
                    }
                    downstream.onNext(state);
                }
            }
        });
    }

    public final Observable<T> scan(BiFunction<T, T, T> accumulator) {
        return lift(down -> new Relay<T, T>(down) {
            T state;
            boolean started;

            @Override
            public void onNext(T value) {
                if (!done) {
                    try {
                        state = started ? accumulator.apply(state, value) : value;
                    } catch (Throwable error) {
                        fail(error);
                        return;
                    }
                    started = true;
                    downstream.onNext(state);
                }
            }
        });
    }

    public final Observable<T> distinctUntilChanged() {
        return lift(down -> new Relay<T, T>(down) {
            T last;
            boolean started;

            @Override
            public void onNext(T value) {
                if (!done && (!started || !Objects.equals(last, value))) {
                    started = true;
                    last = value;
                    downstream.onNext(value);
                }
            }
        });
    }

    public final Observable<T> startWith(T item) {
        return concat(just(item), this);
    }

    public final Observable<T> concatWith(ObservableSource<? extends T> other) {
        return concat(this, other);
    }

    public static <T> Observable<T> concat(
            ObservableSource<? extends T> first, ObservableSource<? extends T> second) {
        return new Observable<T>() {
            @Override
            protected void subscribeActual(Observer<? super T> observer) {
                Flag flag = new Flag();
                observer.onSubscribe(flag);
                first.subscribe(new Observer<T>() {
                    @Override
                    public void onSubscribe(Disposable d) {
                        flag.upstream = d;
                    }

                    @Override
                    public void onNext(T value) {
                        if (!flag.disposed) {
                            observer.onNext(value);
                        }
                    }

                    @Override
                    public void onError(Throwable error) {
                        observer.onError(error);
                    }

                    @Override
                    public void onComplete() {
                        if (!flag.disposed) {
                            second.subscribe(new Observer<T>() {
                                @Override
                                public void onSubscribe(Disposable d) {
                                    flag.upstream = d;
                                }

                                @Override
                                public void onNext(T value) {
                                    if (!flag.disposed) {
                                        observer.onNext(value);
                                    }
                                }

                                @Override
                                public void onError(Throwable error) {
                                    observer.onError(error);
                                }

                                @Override
                                public void onComplete() {
                                    observer.onComplete();
                                }
                            });
                        }
                    }
                });
            }
        };
    }

    // -- consumers -----------------------------------------------------------------------------

    public final Disposable subscribe() {
        return subscribe(value -> { });
    }

    public final Disposable subscribe(Consumer<? super T> onNext) {
        return subscribe(onNext, error -> {
            throw new RuntimeException("onError not implemented", error);
        });
    }

    public final Disposable subscribe(
            Consumer<? super T> onNext, Consumer<? super Throwable> onError) {
        Flag flag = new Flag();
        subscribe(new Observer<T>() {
            @Override
            public void onSubscribe(Disposable d) {
                flag.upstream = d;
            }

            @Override
            public void onNext(T value) {
                if (!flag.disposed) {
                    try {
                        onNext.accept(value);
                    } catch (Throwable error) {
                        flag.dispose();
                        onError(error);
                    }
                }
            }

            @Override
            public void onError(Throwable error) {
                try {
                    onError.accept(error);
                } catch (RuntimeException | Error rethrown) {
                    throw rethrown;
                } catch (Throwable other) {
                    throw new RuntimeException(other);
                }
            }

            @Override
            public void onComplete() {
                flag.disposed = true;
            }
        });
        return flag;
    }

    public final T blockingFirst() {
        Collect<T> collect = new Collect<>(true);
        subscribe(collect);
        return collect.result();
    }

    public final T blockingLast() {
        Collect<T> collect = new Collect<>(false);
        subscribe(collect);
        return collect.result();
    }

    // -- plumbing ------------------------------------------------------------------------------

    private <R> Observable<R> lift(
            java.util.function.Function<Observer<? super R>, Observer<? super T>> operator) {
        Observable<T> upstream = this;
        return new Observable<R>() {
            @Override
            protected void subscribeActual(Observer<? super R> observer) {
                upstream.subscribe(operator.apply(observer));
            }
        };
    }

    static final class Flag implements Disposable {
        volatile boolean disposed;
        Disposable upstream;

        @Override
        public void dispose() {
            disposed = true;
            if (upstream != null) {
                upstream.dispose();
            }
        }

        @Override
        public boolean isDisposed() {
            return disposed;
        }
    }

    abstract static class Relay<T, R> implements Observer<T>, Disposable {
        final Observer<? super R> downstream;
        Disposable upstream;
        boolean done;

        Relay(Observer<? super R> downstream) {
            this.downstream = downstream;
        }

        @Override
        public void onSubscribe(Disposable d) {
            upstream = d;
            downstream.onSubscribe(this);
        }

        @Override
        public void onError(Throwable error) {
            if (!done) {
                done = true;
                downstream.onError(error);
            }
        }

        @Override
        public void onComplete() {
            if (!done) {
                done = true;
                downstream.onComplete();
            }
        }

        @Override
        public void dispose() {
            if (upstream != null) {
                upstream.dispose();
            }
        }

        @Override
        public boolean isDisposed() {
            return upstream != null && upstream.isDisposed();
        }

        void fail(Throwable error) {
            dispose();
            onError(error);
        }
    }

    static final class Emitter<T> implements ObservableEmitter<T>, Disposable {
        final Observer<? super T> downstream;
        volatile boolean disposed;
        boolean done;
        Disposable resource;

        Emitter(Observer<? super T> downstream) {
            this.downstream = downstream;
        }

        @Override
        public void onNext(T value) {
            if (value == null) {
                onError(new NullPointerException("onNext called with null"));
            } else if (!done && !disposed) {
                downstream.onNext(value);
            }
        }

        @Override
        public void onError(Throwable error) {
            if (!done && !disposed) {
                done = true;
                downstream.onError(error);
            }
        }

        @Override
        public void onComplete() {
            if (!done && !disposed) {
                done = true;
                downstream.onComplete();
            }
        }

        @Override
        public boolean isDisposed() {
            return disposed;
        }

        @Override
        public void setDisposable(Disposable d) {
            resource = d;
        }

        @Override
        public void dispose() {
            disposed = true;
            if (resource != null) {
                resource.dispose();
            }
        }
    }

    static final class CombineLatest<A, B, R> implements Disposable {
        final Observer<? super R> downstream;
        final BiFunction<? super A, ? super B, ? extends R> combiner;
        final Object[] latest = new Object[2];
        final boolean[] has = new boolean[2];
        final boolean[] completed = new boolean[2];
        final List<Disposable> upstreams = new ArrayList<>();
        boolean done;

        CombineLatest(Observer<? super R> downstream, BiFunction<? super A, ? super B, ? extends R> combiner) {
            this.downstream = downstream;
            this.combiner = combiner;
        }

        void run(ObservableSource<? extends A> first, ObservableSource<? extends B> second) {
            downstream.onSubscribe(this);
            first.subscribe(side(0));
            if (!done) {
                second.subscribe(side(1));
            }
        }

        <V> Observer<V> side(int index) {
            return new Observer<V>() {
                @Override
                public void onSubscribe(Disposable d) {
                    upstreams.add(d);
                }

                @Override
                @SuppressWarnings("unchecked")
                public void onNext(V value) {
                    if (done) {
                        return;
                    }
                    latest[index] = value;
                    has[index] = true;
                    if (has[0] && has[1]) {
                        R combined;
                        try {
                            combined = combiner.apply((A) latest[0], (B) latest[1]);
                        } catch (Throwable error) {
                            fail(error);
                            return;
                        }
                        downstream.onNext(combined);
                    }
                }

                @Override
                public void onError(Throwable error) {
                    fail(error);
                }

                @Override
                public void onComplete() {
                    completed[index] = true;
                    if (!done && (!has[index] || (completed[0] && completed[1]))) {
                        done = true;
                        dispose();
                        downstream.onComplete();
                    }
                }
            };
        }

        void fail(Throwable error) {
            if (!done) {
                done = true;
                dispose();
                downstream.onError(error);
            }
        }

        @Override
        public void dispose() {
            for (Disposable d : upstreams) {
                d.dispose();
            }
        }

        @Override
        public boolean isDisposed() {
            return done;
        }
    }

    static final class Collect<T> implements Observer<T> {
        final boolean firstOnly;
        Disposable upstream;
        T value;
        boolean seen;
        Throwable error;

        Collect(boolean firstOnly) {
            this.firstOnly = firstOnly;
        }

        @Override
        public void onSubscribe(Disposable d) {
            upstream = d;
        }

        @Override
        public void onNext(T item) {
            if (firstOnly && seen) {
                return;
            }
            value = item;
            seen = true;
            if (firstOnly && upstream != null) {
                upstream.dispose();
            }
        }

        @Override
        public void onError(Throwable e) {
            if (!(firstOnly && seen)) {
                error = e;
            }
        }

        @Override
        public void onComplete() {
        }

        T result() {
            if (error instanceof RuntimeException) {
                throw (RuntimeException) error;
            }
            if (error instanceof Error) {
                throw (Error) error;
            }
            if (error != null) {
                throw new RuntimeException(error);
            }
            if (!seen) {
                throw new NoSuchElementException();
            }
            return value;
        }
    }
}
