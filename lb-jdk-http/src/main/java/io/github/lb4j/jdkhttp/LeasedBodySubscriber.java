package io.github.lb4j.jdkhttp;

import java.net.http.HttpResponse.BodySubscriber;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * The caller's body subscriber, holding the attempt's lease until the body ends: completed (the
 * answer's status decides the outcome), failed (a failure), or cancelled by the caller (closing an
 * {@code InputStream} body early; the status decides). Streaming handlers ({@code ofInputStream},
 * {@code ofLines}, {@code ofPublisher}) thus keep the endpoint counted as in flight while the
 * caller still reads.
 *
 * <p>The lease ends before the caller's subscriber hears of the end, so a caller that has read the
 * whole body sees the endpoint released. Threading: the client calls the subscriber serially, as
 * the Flow contract says; {@link AttemptLease} makes a concurrent cancel safe.
 */
final class LeasedBodySubscriber<T> implements BodySubscriber<T> {
  private final BodySubscriber<T> delegate;
  private final AttemptLease attempt;
  private final boolean failedStatus;

  LeasedBodySubscriber(BodySubscriber<T> delegate, AttemptLease attempt, boolean failedStatus) {
    this.delegate = delegate;
    this.attempt = attempt;
    this.failedStatus = failedStatus;
  }

  @Override
  public CompletionStage<T> getBody() {
    return delegate.getBody();
  }

  @Override
  public void onSubscribe(Flow.Subscription subscription) {
    delegate.onSubscribe(
        new Flow.Subscription() {
          @Override
          public void request(long n) {
            subscription.request(n);
          }

          @Override
          public void cancel() {
            attempt.answered(failedStatus);
            subscription.cancel();
          }
        });
  }

  @Override
  public void onNext(List<ByteBuffer> item) {
    delegate.onNext(item);
  }

  @Override
  public void onError(Throwable throwable) {
    attempt.failed(throwable);
    delegate.onError(throwable);
  }

  @Override
  public void onComplete() {
    attempt.answered(failedStatus);
    delegate.onComplete();
  }
}
