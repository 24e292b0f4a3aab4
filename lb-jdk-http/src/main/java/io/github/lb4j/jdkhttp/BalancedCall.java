package io.github.lb4j.jdkhttp;

import io.github.lb4j.Lease;
import io.github.lb4j.LoadReport;
import io.github.lb4j.internal.HttpCalls;
import io.github.lb4j.retry.Attempts;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.BodySubscriber;
import java.net.http.HttpResponse.BodySubscribers;
import java.net.http.HttpResponse.PushPromiseHandler;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * One call through a {@link LoadBalancedHttpClient}: attempts sent one after the other with the
 * delegate's {@code sendAsync}, each holding its endpoint's lease, until one answers for good.
 *
 * <p>A retryable status is recognised in the body handler, as soon as the status line arrives: if a
 * retry can be made, that answer's body is discarded and the next attempt starts when it is; else
 * the caller's handler gets the answer, wrapped so that the lease lasts as long as the body.
 *
 * <p>Threading: attempts follow one another, each started from the completion of the previous one,
 * so {@link Attempts} and {@link #nextLease} are used by one thread at a time, and a future's
 * completion orders them. {@link #current} and {@link #exchange} are volatile because the caller
 * may cancel from any thread.
 */
final class BalancedCall<T> {
  private final LoadBalancedHttpClient client;
  private final HttpRequest request;
  private final BodyHandler<T> handler;
  private final PushPromiseHandler<T> pushPromiseHandler;
  private final Attempts attempts;
  private final boolean replayable;
  private final boolean retriesStatuses;
  private final CompletableFuture<HttpResponse<T>> result = new CompletableFuture<>();

  private volatile AttemptLease current;
  private volatile CompletableFuture<HttpResponse<T>> exchange;
  private Lease nextLease;

  BalancedCall(
      LoadBalancedHttpClient client,
      HttpRequest request,
      BodyHandler<T> handler,
      PushPromiseHandler<T> pushPromiseHandler,
      Attempts attempts) {
    this.client = client;
    this.request = request;
    this.handler = handler;
    this.pushPromiseHandler = pushPromiseHandler;
    this.attempts = attempts;
    this.replayable = LoadBalancedHttpClient.isReplayable(request);
    this.retriesStatuses = replayable && client.retryMethods.contains(request.method());
  }

  /** Sends the first attempt on {@code lease}; the returned future is the caller's. */
  CompletableFuture<HttpResponse<T>> start(Lease lease) {
    // The stage whenComplete returns only mirrors the future it listens to; nothing waits on it.
    CompletableFuture<HttpResponse<T>> unused =
        result.whenComplete(
            (r, e) -> {
              if (result.isCancelled()) {
                cancelled();
              }
            });
    send(lease);
    return result;
  }

  private void send(Lease lease) {
    AttemptLease attempt = new AttemptLease(lease);
    current = attempt;
    if (result.isCancelled()) {
      attempt.abandoned(); // cancelled while the previous attempt was ending
      return;
    }
    HttpRequest target;
    try {
      target = client.rewrite(request, lease.endpoint());
    } catch (IllegalArgumentException e) {
      attempt.failed(e);
      result.completeExceptionally(new IOException(e.getMessage(), e));
      return;
    }
    BodyHandler<T> leasing = info -> subscriber(attempt, info);
    CompletableFuture<HttpResponse<T>> f =
        pushPromiseHandler == null
            ? client.delegate.sendAsync(target, leasing)
            : client.delegate.sendAsync(target, leasing, pushPromiseHandler);
    exchange = f;
    // The stage whenComplete returns only mirrors the future it listens to; nothing waits on it.
    CompletableFuture<HttpResponse<T>> unused =
        f.whenComplete((response, error) -> attemptEnded(attempt, response, error));
  }

  /** Chooses the body subscriber once the status is known: discard and retry, or the caller's. */
  private BodySubscriber<T> subscriber(AttemptLease attempt, HttpResponse.ResponseInfo info) {
    // An endpoint may report its load with the answer; a malformed report is counted, not thrown.
    attempt.lease().reportLoadHeader(info.headers().firstValue(LoadReport.HEADER).orElse(null));
    int code = info.statusCode();
    boolean failed = client.isFailure(code);
    if (retriesStatuses && client.retryStatuses.contains(code)) {
      Lease next = retry("status " + code);
      if (next != null) {
        nextLease = next;
        attempt.answered(failed);
        return BodySubscribers.replacing(null);
      }
    }
    BodySubscriber<T> callers;
    try {
      callers = handler.apply(info);
    } catch (RuntimeException | Error e) {
      attempt.abandoned(); // the caller's handler failed, not the endpoint
      throw e;
    }
    return new LeasedBodySubscriber<>(callers, attempt, failed);
  }

  private void attemptEnded(AttemptLease attempt, HttpResponse<T> response, Throwable error) {
    Lease next = nextLease; // set when the answer was a retryable status, its body discarded
    nextLease = null;
    if (result.isCancelled()) {
      attempt.abandoned();
      if (next != null) {
        next.close();
      }
      return;
    }
    if (next != null) {
      send(next); // whether or not discarding the body went well
      return;
    }
    if (error == null) {
      if (!result.complete(response)) {
        attempt.abandoned(); // cancelled meanwhile: nobody will read the body
      }
      return;
    }
    Throwable cause = unwrap(error);
    attempt.failed(cause);
    if (replayable && HttpCalls.isConnectFailure(cause)) {
      Lease retry = retry(cause.toString());
      if (retry != null) {
        send(retry);
        return;
      }
    }
    result.completeExceptionally(cause);
  }

  /** The lease of a retry on an untried endpoint, or {@code null} if none may be made. */
  private Lease retry(String why) {
    return attempts.retry(request.method() + " " + request.uri(), why);
  }

  /** The caller cancelled: release the current attempt's lease and abort its exchange. */
  private void cancelled() {
    AttemptLease attempt = current;
    if (attempt != null) {
      attempt.abandoned();
    }
    CompletableFuture<HttpResponse<T>> f = exchange;
    if (f != null) {
      f.cancel(true);
    }
  }

  static Throwable unwrap(Throwable e) {
    while ((e instanceof CompletionException || e instanceof ExecutionException)
        && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }
}
