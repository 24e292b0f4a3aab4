package io.github.lb4j.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

final class ContinuingExecutorTest {
  private final ContinuingExecutor executor = new ContinuingExecutor("test", 1, TimeUnit.MINUTES);

  @AfterEach
  void shutDown() {
    executor.shutdownNow();
  }

  @Test
  void aTaskEnqueuedByARunningTask_runsNextOnItsThread_afterItReturns() throws Exception {
    List<String> order = new CopyOnWriteArrayList<>();
    CompletableFuture<Thread> second = new CompletableFuture<>();
    CompletableFuture<Thread> first = new CompletableFuture<>();
    executor.execute(
        () -> {
          executor.execute(
              () -> {
                order.add("second");
                second.complete(Thread.currentThread());
              });
          order.add("first ends");
          first.complete(Thread.currentThread());
        });
    assertEquals(first.get(10, TimeUnit.SECONDS), second.get(10, TimeUnit.SECONDS));
    assertEquals(List.of("first ends", "second"), order);
  }

  @Test
  void aSecondTaskEnqueuedByTheSameTask_goesToAnotherThreadAtOnce() throws Exception {
    CountDownLatch thirdStarted = new CountDownLatch(1);
    CompletableFuture<Boolean> sawThird = new CompletableFuture<>();
    executor.execute(
        () -> {
          executor.execute(() -> {}); // waits for this task
          executor.execute(thirdStarted::countDown);
          try {
            // Were the third task to wait for this one too, this would time out.
            sawThird.complete(thirdStarted.await(10, TimeUnit.SECONDS));
          } catch (InterruptedException e) {
            sawThird.completeExceptionally(e);
          }
        });
    assertTrue(sawThird.get(20, TimeUnit.SECONDS), "the third task ran while the first waited");
  }

  @Test
  void aTaskThatThrows_stillRunsTheTaskItEnqueued() throws Exception {
    CompletableFuture<String> next = new CompletableFuture<>();
    executor.execute(
        () -> {
          executor.execute(() -> next.complete("ran"));
          throw new IllegalStateException("boom");
        });
    assertEquals("ran", next.get(10, TimeUnit.SECONDS));
  }

  @Test
  void aTaskThatThrowsAnError_stillRunsTheTaskItEnqueued_onAnotherThread() throws Exception {
    CompletableFuture<Thread> thrower = new CompletableFuture<>();
    CompletableFuture<Thread> next = new CompletableFuture<>();
    executor.execute(
        () -> {
          thrower.complete(Thread.currentThread());
          executor.execute(() -> next.complete(Thread.currentThread()));
          throw new AssertionError("boom"); // an Error: the thread ends
        });
    assertNotEquals(thrower.get(10, TimeUnit.SECONDS), next.get(10, TimeUnit.SECONDS));
  }

  @Test
  void afterShutdown_everyTaskIsRefused_fromInsideAndOutside() throws Exception {
    CompletableFuture<Throwable> inside = new CompletableFuture<>();
    CountDownLatch shutDown = new CountDownLatch(1);
    executor.execute(
        () -> {
          try {
            shutDown.await();
            executor.execute(() -> {});
            inside.complete(null);
          } catch (Throwable e) {
            inside.complete(e);
          }
        });
    executor.shutdown();
    shutDown.countDown();
    assertTrue(inside.get(10, TimeUnit.SECONDS) instanceof RejectedExecutionException);
    assertThrows(RejectedExecutionException.class, () -> executor.execute(() -> {}));
    assertTrue(executor.awaitTermination(10, TimeUnit.SECONDS));
  }

  @Test
  void underOkHttp_aCallEnqueuedByACallback_runsOnTheCallbacksThread() throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    AtomicInteger requests = new AtomicInteger();
    server.createContext(
        "/",
        ex -> {
          requests.incrementAndGet();
          ex.sendResponseHeaders(200, -1);
          ex.close();
        });
    server.start();
    try {
      OkHttpClient client = new OkHttpClient.Builder().dispatcher(new Dispatcher(executor)).build();
      Request request =
          new Request.Builder()
              .url("http://127.0.0.1:" + server.getAddress().getPort() + "/")
              .build();
      CompletableFuture<Thread> firstThread = new CompletableFuture<>();
      CompletableFuture<Thread> secondThread = new CompletableFuture<>();
      client
          .newCall(request)
          .enqueue(
              new Recording(firstThread) {
                @Override
                public void onResponse(Call call, Response response) {
                  response.close();
                  client.newCall(request).enqueue(new Recording(secondThread));
                  super.onResponse(call, response);
                }
              });
      assertEquals(firstThread.get(10, TimeUnit.SECONDS), secondThread.get(10, TimeUnit.SECONDS));
      assertEquals(2, requests.get());
      client.connectionPool().evictAll();
    } finally {
      server.stop(0);
    }
  }

  /** Completes {@code thread} with the thread that ran the answer's callback. */
  private static class Recording implements Callback {
    private final CompletableFuture<Thread> thread;

    Recording(CompletableFuture<Thread> thread) {
      this.thread = thread;
    }

    @Override
    public void onFailure(Call call, IOException e) {
      thread.completeExceptionally(e);
    }

    @Override
    public void onResponse(Call call, Response response) {
      response.close();
      thread.complete(Thread.currentThread());
    }
  }
}
