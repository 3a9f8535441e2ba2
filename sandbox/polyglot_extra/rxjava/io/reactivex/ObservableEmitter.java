package io.reactivex;

import io.reactivex.disposables.Disposable;

public interface ObservableEmitter<T> {
    void onNext(T value);

    void onError(Throwable error);

    void onComplete();

    boolean isDisposed();

    void setDisposable(Disposable d);
}
