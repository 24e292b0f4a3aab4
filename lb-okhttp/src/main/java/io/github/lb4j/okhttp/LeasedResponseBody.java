package io.github.lb4j.okhttp;

import io.github.lb4j.Lease;
import io.github.lb4j.retry.Attempts;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import okhttp3.Call;
import okhttp3.MediaType;
import okhttp3.ResponseBody;
import okio.Buffer;
import okio.BufferedSource;
import okio.ForwardingSource;
import okio.Okio;

/**
 * A response body that holds the call's {@link Lease} until the body ends, so that the endpoint
 * counts the call as in flight while the caller still reads from it.
 *
 * <p>The exchange ends, exactly once, at the first of: the body read to its end, a read failing, or
 * the body closed. Then the outcome is reported (a failed read is a failure, otherwise the status
 * decides; a cancelled call reports nothing) and the lease is closed. Thread safe: OkHttp bodies
 * are read by one thread, but close may come from another (a cancelling thread), and an atomic flag
 * makes the end happen once.
 */
final class LeasedResponseBody extends ResponseBody {
  private final ResponseBody delegate;
  private final Lease lease;
  private final Call call;
  private final boolean failedStatus;
  private final AtomicBoolean ended = new AtomicBoolean();
  private BufferedSource source;

  LeasedResponseBody(ResponseBody delegate, Lease lease, Call call, boolean failedStatus) {
    this.delegate = delegate;
    this.lease = lease;
    this.call = call;
    this.failedStatus = failedStatus;
  }

  @Override
  public MediaType contentType() {
    return delegate.contentType();
  }

  @Override
  public long contentLength() {
    return delegate.contentLength();
  }

  @Override
  public synchronized BufferedSource source() {
    if (source == null) {
      source = Okio.buffer(new EndingSource(delegate.source()));
    }
    return source;
  }

  @Override
  public void close() {
    try {
      delegate.close();
    } finally {
      end(null);
    }
  }

  /** Reports the outcome and releases the lease, the first time only. */
  void end(IOException readFailure) {
    if (!ended.compareAndSet(false, true)) {
      return;
    }
    try {
      if (call.isCanceled()) {
        return; // a cancelled call says nothing about the endpoint
      }
      if (readFailure != null) {
        lease.failure(readFailure);
      } else {
        Attempts.report(lease, failedStatus);
      }
    } finally {
      lease.close();
    }
  }

  /** Ends the exchange when the body is exhausted, fails, or is closed. */
  private final class EndingSource extends ForwardingSource {
    EndingSource(okio.Source delegate) {
      super(delegate);
    }

    @Override
    public long read(Buffer sink, long byteCount) throws IOException {
      long read;
      try {
        read = super.read(sink, byteCount);
      } catch (IOException e) {
        end(e);
        throw e;
      }
      if (read == -1) {
        end(null);
      }
      return read;
    }

    @Override
    public void close() throws IOException {
      try {
        super.close();
      } finally {
        end(null);
      }
    }
  }
}
