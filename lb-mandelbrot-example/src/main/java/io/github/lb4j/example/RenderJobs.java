package io.github.lb4j.example;

import io.github.lb4j.Ticker;
import io.github.lb4j.scatter.Progress;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The renders the page asked for: each job takes the tiles it can from the renderer's cache,
 * scatters the others across the workers and records every tile as it arrives, with the worker that
 * computed it, so the page can draw the image progressively by polling.
 *
 * <p>Only the most recent {@link #KEPT} jobs are kept.
 *
 * <p>Threading: thread safe. A job is updated from HTTP client threads and read by the front end's
 * handler threads; its mutable state is guarded by the job itself.
 */
final class RenderJobs {
  /** Jobs kept for polling; older ones are forgotten. */
  static final int KEPT = 16;

  /** The worker name of tiles that came from the cache. */
  static final String CACHE = "cache";

  /** What happened to a job so far. */
  enum State {
    RUNNING,
    DONE,
    FAILED,
    CANCELLED;

    String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final Renderer renderer;
  private final Ticker ticker;
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<String, Job> jobs =
      new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Job> eldest) {
          return size() > KEPT;
        }
      }; // guarded by itself

  RenderJobs(Renderer renderer, Ticker ticker) {
    this.renderer = renderer;
    this.ticker = ticker;
  }

  /**
   * Starts rendering {@code view} on {@code cluster}; {@code onEnd} runs once when the job is over,
   * whatever its outcome. With {@code recompute} every tile goes to the workers, none comes from
   * the cache (the answers still refresh it), so a new picker's distribution shows.
   */
  Job start(View view, Cluster cluster, String picker, boolean recompute, Consumer<Job> onEnd) {
    Job job = new Job("r" + ids.incrementAndGet(), view, picker, ticker.read());
    synchronized (jobs) {
      jobs.put(job.id, job);
    }
    List<View.Tile> missing =
        recompute
            ? job.tiles
            : renderer.missing(job.tiles, (t, counts) -> job.arrived(t.index(), CACHE, counts));
    if (missing.isEmpty()) {
      job.finish(null, ticker.read());
      onEnd.accept(job);
      return job;
    }
    java.util.IdentityHashMap<TileSpec, View.Tile> bySpec = new java.util.IdentityHashMap<>();
    for (View.Tile t : missing) {
      bySpec.put(t.spec(), t);
    }
    try {
      CompletableFuture<List<TileCounts>> computing =
          cluster.compute(
              renderer.tasks(missing),
              job::progress,
              (spec, worker, counts) -> {
                View.Tile t = bySpec.get(spec);
                if (t != null && job.arrived(t.index(), worker.id(), counts)) {
                  renderer.remember(spec, counts);
                }
              });
      job.attach(computing);
      // The stage whenComplete returns only mirrors the future it listens to; nothing waits on it.
      CompletableFuture<List<TileCounts>> unused =
          computing.whenComplete(
              (r, e) -> {
                if (e == null) {
                  // A tile whose answer the listener missed (none should be) still gets drawn.
                  for (int i = 0; i < missing.size(); i++) {
                    job.arrived(missing.get(i).index(), "?", r.get(i));
                  }
                }
                job.finish(e == null ? null : message(e), ticker.read());
                onEnd.accept(job);
              });
    } catch (RuntimeException e) {
      job.finish(message(e), ticker.read());
      onEnd.accept(job);
    }
    return job;
  }

  /** The job with this id, or {@code null} when there is none (or it was forgotten). */
  Job get(String id) {
    synchronized (jobs) {
      return jobs.get(id);
    }
  }

  private static String message(Throwable e) {
    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    return RenderException.summary(cause);
  }

  /** One render. */
  static final class Job {
    final String id;
    final View view;
    final String picker;
    final List<View.Tile> tiles;
    private final long startNanos;
    private final TileCounts[] counts;
    private final String[] workers;
    private final List<Integer> order = new ArrayList<>(); // tile indexes in arrival order
    private final Map<String, Integer> perWorker = new LinkedHashMap<>();
    private State state = State.RUNNING;
    private String error;
    private long endNanos;
    private int retries;
    private int hedges;
    private CompletableFuture<?> computing; // null until attached, or when all came from the cache

    Job(String id, View view, String picker, long startNanos) {
      this.id = id;
      this.view = view;
      this.picker = picker;
      this.tiles = view.tiles();
      this.startNanos = startNanos;
      this.counts = new TileCounts[tiles.size()];
      this.workers = new String[tiles.size()];
    }

    /** Records a tile's first answer; later copies (hedges) are ignored. */
    synchronized boolean arrived(int index, String worker, TileCounts c) {
      if (counts[index] != null) {
        return false;
      }
      counts[index] = c;
      workers[index] = worker;
      order.add(index);
      perWorker.merge(worker, 1, Integer::sum);
      notifyAll();
      return true;
    }

    /** Holds the batch computing the tiles, so that {@link #cancel} can cancel it. */
    void attach(CompletableFuture<?> batch) {
      boolean cancelNow;
      synchronized (this) {
        computing = batch;
        cancelNow = state == State.CANCELLED;
      }
      if (cancelNow) {
        batch.cancel(true);
      }
    }

    /**
     * Cancels the job if it is running: no more tiles are dispatched and the attempts in flight are
     * cancelled (their connections closed, which stops the workers computing them). Returns whether
     * this call cancelled it.
     */
    boolean cancel(long now) {
      CompletableFuture<?> batch;
      synchronized (this) {
        if (state != State.RUNNING) {
          return false;
        }
        state = State.CANCELLED;
        error = "cancelled";
        endNanos = now;
        batch = computing;
        notifyAll();
      }
      if (batch != null) {
        batch.cancel(true); // outside the lock: cancelling runs completion callbacks
      }
      return true;
    }

    synchronized void progress(Progress p) {
      retries = p.retries();
      hedges = p.hedges();
    }

    synchronized void finish(String failure, long now) {
      if (state != State.RUNNING) {
        return;
      }
      state = failure == null ? State.DONE : State.FAILED;
      error = failure;
      endNanos = now;
      notifyAll();
    }

    /**
     * Waits until more than {@code since} tiles have arrived or the job is over, at most {@code
     * maxMillis}; returns at once when that is already so. Lets the page long-poll.
     */
    synchronized void await(int since, long maxMillis) throws InterruptedException {
      long deadline = System.currentTimeMillis() + maxMillis;
      long left = maxMillis;
      while (state == State.RUNNING && order.size() <= since && left > 0) {
        wait(left);
        left = deadline - System.currentTimeMillis();
      }
    }

    synchronized State state() {
      return state;
    }

    /** Tiles per worker ({@link #CACHE} for cached ones), in order of first arrival. */
    synchronized Map<String, Integer> perWorker() {
      return new LinkedHashMap<>(perWorker);
    }

    synchronized int arrivedCount() {
      return order.size();
    }

    /**
     * The job as JSON with the tiles that arrived after the first {@code since}, each as a PNG in
     * base64; {@code next} is what to pass as {@code since} next time.
     */
    String toJson(int since, long now) {
      List<Integer> fresh;
      List<String> fromWorkers = new ArrayList<>();
      StringBuilder sb = new StringBuilder();
      synchronized (this) {
        int from = Math.min(Math.max(0, since), order.size());
        fresh = new ArrayList<>(order.subList(from, order.size()));
        for (int i : fresh) {
          fromWorkers.add(workers[i]);
        }
        long end = state == State.RUNNING ? now : endNanos;
        sb.append("{\"id\":")
            .append(Json.quote(id))
            .append(",\"state\":")
            .append(Json.quote(state.label()))
            .append(",\"picker\":")
            .append(Json.quote(picker))
            .append(",\"total\":")
            .append(tiles.size())
            .append(",\"done\":")
            .append(order.size())
            .append(",\"cached\":")
            .append(perWorker.getOrDefault(CACHE, 0))
            .append(",\"retries\":")
            .append(retries)
            .append(",\"hedges\":")
            .append(hedges)
            .append(String.format(Locale.ROOT, ",\"elapsedMs\":%.1f", (end - startNanos) / 1e6));
        if (error != null) {
          sb.append(",\"error\":").append(Json.quote(error));
        }
        sb.append(",\"perWorker\":")
            .append(Json.counts(perWorker))
            .append(",\"next\":")
            .append(order.size());
      }
      sb.append(",\"view\":").append(viewJson(view)).append(",\"tiles\":[");
      for (int k = 0; k < fresh.size(); k++) {
        View.Tile t = tiles.get(fresh.get(k));
        TileCounts c;
        synchronized (this) {
          c = counts[t.index()];
        }
        String png = Base64.getEncoder().encodeToString(TileCodec.encodePng(c.toArray(), t.spec()));
        sb.append(k == 0 ? "" : ",")
            .append("{\"i\":")
            .append(t.index())
            .append(",\"x\":")
            .append(t.x())
            .append(",\"y\":")
            .append(t.y())
            .append(",\"w\":")
            .append(t.spec().width())
            .append(",\"h\":")
            .append(t.spec().height())
            .append(",\"worker\":")
            .append(Json.quote(fromWorkers.get(k)))
            .append(",\"png\":\"")
            .append(png)
            .append("\"}");
      }
      return sb.append("]}").toString();
    }

    static String viewJson(View v) {
      return String.format(
          Locale.ROOT,
          "{\"reMin\":%s,\"reMax\":%s,\"imMin\":%s,\"imMax\":%s,\"width\":%d,\"height\":%d,"
              + "\"maxIter\":%d,\"tile\":%d}",
          v.reMin(),
          v.reMax(),
          v.imMin(),
          v.imMax(),
          v.width(),
          v.height(),
          v.maxIter(),
          v.tile());
    }
  }
}
