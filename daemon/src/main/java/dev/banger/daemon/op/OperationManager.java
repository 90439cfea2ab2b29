package dev.banger.daemon.op;

import dev.banger.api.OperationView;
import dev.banger.archive.FileTrees;
import dev.banger.daemon.store.Store;
import dev.banger.download.Cancellation;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs long work (pulls, builds) as operations with an id, phases, progress and cancel, kept in the
 * {@code operations} table so that {@code op ls} shows them after the CLI has gone and after a
 * daemon restart. Two requests for the same kind and target while one runs share it. At start the
 * daemon calls {@link #interruptLeftovers} to mark operations that were running when it died as
 * interrupted and remove their partial files.
 *
 * <p>Thread-safe. Work runs on virtual threads; progress is persisted at most twice a second.
 */
public final class OperationManager {
  private static final Logger LOG = LoggerFactory.getLogger(OperationManager.class);
  private static final long PERSIST_EVERY_NANOS = 500_000_000L;

  private final Store store;
  private final Map<String, Live> live = new HashMap<>();
  private final Map<String, String> runningByKey = new HashMap<>();

  /** A manager over {@code store}. */
  public OperationManager(Store store) {
    this.store = store;
  }

  /** Marks operations left running by a previous daemon as interrupted; removes partials. */
  public int interruptLeftovers() {
    List<String[]> rows =
        store.query(
            "SELECT id, partial_path FROM operations WHERE state = 'running'",
            rs -> new String[] {rs.getString(1), rs.getString(2)});
    for (String[] row : rows) {
      for (String p : row[1].split("\n")) {
        if (!p.isBlank()) {
          deleteTree(Path.of(p));
        }
      }
      store.update(
          "UPDATE operations SET state = 'interrupted', message = ?, updated_at = ?"
              + " WHERE id = ?",
          "the daemon stopped while this ran; its partial files were removed",
          now(),
          row[0]);
      LOG.info("operation {} was interrupted by a daemon restart", row[0]);
    }
    return rows.size();
  }

  /**
   * Starts {@code work} as an operation, or returns the running operation of the same kind and
   * target.
   */
  public synchronized OperationView start(String kind, String target, OperationWork work) {
    String key = kind + ":" + target;
    String existing = runningByKey.get(key);
    if (existing != null) {
      return live.get(existing).view();
    }
    String id = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    Live op = new Live(id, kind, target, now());
    live.put(id, op);
    runningByKey.put(key, id);
    store.update(
        "INSERT INTO operations (id, kind, target, state, phase, created_at,"
            + " updated_at) VALUES (?, ?, ?, 'running', 'starting', ?, ?)",
        id,
        kind,
        target,
        op.createdAt,
        op.createdAt);
    LOG.info("operation {} started: {} {}", id, kind, target);
    Thread.ofVirtual().name("op-" + id).start(() -> run(op, key, work));
    return op.view();
  }

  /**
   * Starts {@code work} unless {@code present} already holds, in which case the operation is
   * recorded as finished at once. The check runs again inside the operation: a pull of the same
   * target that was running a moment ago may have finished in between.
   */
  public OperationView startUnless(
      String kind,
      String target,
      java.util.function.BooleanSupplier present,
      String presentMessage,
      OperationWork work) {
    if (present.getAsBoolean()) {
      return finished(kind, target, presentMessage);
    }
    return start(kind, target, ctx -> present.getAsBoolean() ? presentMessage : work.run(ctx));
  }

  /** Waits for {@code op} to end; an end other than success is an error naming {@code what}. */
  public void awaitSuccess(OperationView op, String what) throws InterruptedException {
    OperationView end = await(op.id());
    if (!"succeeded".equals(end.state())) {
      throw new dev.banger.daemon.http.ApiException(
          dev.banger.api.ErrorCode.INTERNAL, what + " " + end.state() + ": " + end.message());
    }
  }

  /** Records an operation that had nothing to do (the pulled thing was already present). */
  public OperationView finished(String kind, String target, String message) {
    String id = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    String now = now();
    store.update(
        "INSERT INTO operations (id, kind, target, state, phase, message, created_at,"
            + " updated_at) VALUES (?, ?, ?, 'succeeded', 'done', ?, ?, ?)",
        id,
        kind,
        target,
        message,
        now,
        now);
    return new OperationView(
        id, kind, target, "succeeded", "done", 0, -1, "bytes", message, now, now);
  }

  /** Every operation, newest first. */
  public List<OperationView> list() {
    return store.query(
        "SELECT * FROM operations ORDER BY created_at DESC, id",
        rs ->
            liveView(rs.getString("id"))
                .orElse(
                    new OperationView(
                        rs.getString("id"),
                        rs.getString("kind"),
                        rs.getString("target"),
                        rs.getString("state"),
                        rs.getString("phase"),
                        rs.getLong("done"),
                        rs.getLong("total"),
                        rs.getString("unit"),
                        rs.getString("message"),
                        rs.getString("created_at"),
                        rs.getString("updated_at"))));
  }

  /** One operation by id. */
  public Optional<OperationView> find(String id) {
    Optional<OperationView> running = liveView(id);
    if (running.isPresent()) {
      return running;
    }
    return list().stream().filter(o -> o.id().equals(id)).findFirst();
  }

  /** Cancels a running operation; returns false when it is not running. */
  public boolean cancel(String id) {
    Live op;
    synchronized (this) {
      op = live.get(id);
    }
    if (op == null) {
      return false;
    }
    LOG.info("operation {} cancel requested", id);
    op.cancellation.cancel();
    return true;
  }

  /**
   * Calls {@code sink} with the operation's state now and after every change until it ends. Returns
   * at once for a finished operation.
   */
  public void watch(String id, Consumer<OperationView> sink) throws InterruptedException {
    Live op;
    synchronized (this) {
      op = live.get(id);
    }
    if (op == null) {
      find(id).ifPresent(sink);
      return;
    }
    long seen = -1;
    while (true) {
      OperationView view;
      synchronized (op) {
        while (op.version == seen) {
          op.wait(1000);
        }
        seen = op.version;
        view = op.view();
      }
      sink.accept(view);
      if (view.finished()) {
        return;
      }
    }
  }

  /** Waits for an operation to end and returns its final state. */
  public OperationView await(String id) throws InterruptedException {
    OperationView[] last = new OperationView[1];
    watch(id, v -> last[0] = v);
    return last[0];
  }

  private void run(Live op, String key, OperationWork work) {
    String state;
    String message;
    try {
      message = work.run(op);
      state = "succeeded";
    } catch (CancellationException e) {
      state = "cancelled";
      message = e.getMessage() == null ? "cancelled" : e.getMessage();
    } catch (Exception e) {
      if (op.cancellation.isCancelled()) {
        state = "cancelled";
        message = "cancelled";
      } else {
        state = "failed";
        message = e.getMessage() == null ? e.toString() : e.getMessage();
        LOG.warn("operation {} ({} {}) failed", op.id, op.kind, op.target, e);
      }
    }
    if (!"succeeded".equals(state)) {
      op.partials.forEach(OperationManager::deleteTree);
    }
    synchronized (this) {
      op.finish(state, message);
      store.update(
          "UPDATE operations SET state = ?, phase = ?, done = ?, total = ?,"
              + " message = ?, partial_path = '', updated_at = ? WHERE id = ?",
          state,
          op.phase,
          op.done,
          op.total,
          message == null ? "" : message,
          op.updatedAt,
          op.id);
      runningByKey.remove(key);
      live.remove(op.id);
    }
    LOG.info("operation {} {}: {}", op.id, state, message);
  }

  private synchronized Optional<OperationView> liveView(String id) {
    return Optional.ofNullable(live.get(id)).map(Live::view);
  }

  private static String now() {
    return Instant.now().toString();
  }

  static void deleteTree(Path path) {
    try {
      FileTrees.deleteTree(path);
    } catch (IOException e) {
      LOG.warn("could not remove the partial file {}", path, e);
    }
  }

  /** The in-memory state of a running operation; its monitor guards the mutable fields. */
  private final class Live implements OperationContext {
    final String id;
    final String kind;
    final String target;
    final String createdAt;
    final Cancellation cancellation = Cancellation.create();
    final List<Path> partials = new ArrayList<>();
    String state = "running";
    String phase = "starting";
    String unit = "bytes";
    long done;
    long total = -1;
    String message = "";
    String updatedAt;
    long version;
    long persistedAt;

    Live(String id, String kind, String target, String createdAt) {
      this.id = id;
      this.kind = kind;
      this.target = target;
      this.createdAt = createdAt;
      this.updatedAt = createdAt;
    }

    synchronized OperationView view() {
      return new OperationView(
          id, kind, target, state, phase, done, total, unit, message, createdAt, updatedAt);
    }

    @Override
    public void phase(String newPhase) {
      synchronized (this) {
        phase = newPhase;
        done = 0;
        total = -1;
        unit = "bytes";
        changed();
      }
      persist(true);
      LOG.info("operation {}: {}", id, newPhase);
    }

    @Override
    public void phaseIfChanged(String newPhase) {
      boolean same;
      synchronized (this) {
        same = phase.equals(newPhase);
      }
      if (!same) {
        phase(newPhase);
      }
    }

    @Override
    public void bytes(long bytesDone, long bytesTotal) {
      synchronized (this) {
        unit = "bytes";
        done = bytesDone;
        total = bytesTotal;
        changed();
      }
      persist(false);
    }

    @Override
    public void percent(int percent) {
      synchronized (this) {
        unit = "percent";
        done = percent;
        total = 100;
        changed();
      }
      persist(false);
    }

    @Override
    public void partial(Path path) {
      String all;
      synchronized (this) {
        partials.add(path.toAbsolutePath());
        all = String.join("\n", partials.stream().map(Path::toString).toList());
      }
      store.update("UPDATE operations SET partial_path = ? WHERE id = ?", all, id);
    }

    @Override
    public Cancellation cancellation() {
      return cancellation;
    }

    synchronized void finish(String finalState, String finalMessage) {
      state = finalState;
      message = finalMessage == null ? "" : finalMessage;
      changed();
    }

    private void changed() {
      updatedAt = now();
      version++;
      notifyAll();
    }

    private void persist(boolean force) {
      long nowNanos = System.nanoTime();
      OperationView v;
      synchronized (this) {
        if (!force && nowNanos - persistedAt < PERSIST_EVERY_NANOS) {
          return;
        }
        persistedAt = nowNanos;
        v = view();
      }
      store.update(
          "UPDATE operations SET phase = ?, done = ?, total = ?, unit = ?,"
              + " updated_at = ? WHERE id = ?",
          v.phase(),
          v.done(),
          v.total(),
          v.unit(),
          v.updatedAt(),
          id);
    }
  }
}
