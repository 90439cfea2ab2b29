package dev.banger.daemon.op;

import static org.assertj.core.api.Assertions.assertThat;

import dev.banger.api.OperationView;
import dev.banger.daemon.store.Store;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OperationManagerTest {
  @Test
  void workReportsPhasesAndProgressAndSucceeds(@TempDir Path dir) throws Exception {
    try (Store store = Store.open(dir.resolve("state.db"))) {
      OperationManager ops = new OperationManager(store);
      OperationView op =
          ops.start(
              "image-pull",
              "debian",
              ctx -> {
                ctx.phase("downloading");
                ctx.bytes(50, 100);
                ctx.bytes(100, 100);
                ctx.phase("verifying");
                ctx.percent(100);
                return "registered debian";
              });
      List<OperationView> seen = new ArrayList<>();
      ops.watch(op.id(), seen::add);

      OperationView last = seen.getLast();
      assertThat(last.state()).isEqualTo("succeeded");
      assertThat(last.message()).isEqualTo("registered debian");
      assertThat(last.phase()).isEqualTo("verifying");
      assertThat(ops.find(op.id()).orElseThrow().state()).isEqualTo("succeeded");
      assertThat(new OperationManager(store).list())
          .extracting(OperationView::state)
          .containsExactly("succeeded");
    }
  }

  @Test
  void concurrentRequestsForTheSameTargetShareOneOperation(@TempDir Path dir) throws Exception {
    try (Store store = Store.open(dir.resolve("state.db"))) {
      OperationManager ops = new OperationManager(store);
      CountDownLatch release = new CountDownLatch(1);
      OperationWork slow =
          ctx -> {
            release.await(10, TimeUnit.SECONDS);
            return "done";
          };

      OperationView a = ops.start("image-pull", "debian", slow);
      OperationView b = ops.start("image-pull", "debian", slow);
      OperationView other = ops.start("image-pull", "alpine", slow);
      release.countDown();

      assertThat(b.id()).isEqualTo(a.id());
      assertThat(other.id()).isNotEqualTo(a.id());
      assertThat(ops.await(a.id()).state()).isEqualTo("succeeded");
      assertThat(ops.await(other.id()).state()).isEqualTo("succeeded");
    }
  }

  @Test
  void cancelStopsTheWorkAndRemovesItsPartialFiles(@TempDir Path dir) throws Exception {
    Path partial = dir.resolve("download.part");
    try (Store store = Store.open(dir.resolve("state.db"))) {
      OperationManager ops = new OperationManager(store);
      CountDownLatch started = new CountDownLatch(1);
      OperationView op =
          ops.start(
              "kernel-pull",
              "debian-cloud",
              ctx -> {
                Files.writeString(partial, "half");
                ctx.partial(partial);
                started.countDown();
                while (true) {
                  ctx.cancellation().throwIfCancelled("kernel pull");
                  Thread.sleep(10);
                }
              });
      started.await();

      assertThat(ops.cancel(op.id())).isTrue();
      OperationView end = ops.await(op.id());

      assertThat(end.state()).isEqualTo("cancelled");
      assertThat(partial).doesNotExist();
      assertThat(ops.cancel(op.id())).isFalse();
    }
  }

  @Test
  void failureKeepsTheMessage(@TempDir Path dir) throws Exception {
    try (Store store = Store.open(dir.resolve("state.db"))) {
      OperationManager ops = new OperationManager(store);
      OperationView op =
          ops.start(
              "image-pull",
              "x",
              ctx -> {
                throw new java.io.IOException("checksum of x.tar.zst is abc, expected def");
              });

      OperationView end = ops.await(op.id());

      assertThat(end.state()).isEqualTo("failed");
      assertThat(end.message()).contains("expected def");
    }
  }

  @Test
  void operationsLeftRunningByADeadDaemonAreInterruptedAndTheirPartialsRemoved(@TempDir Path dir)
      throws Exception {
    Path partialDir = Files.createDirectories(dir.resolve("staging/rootfs"));
    Files.writeString(partialDir.resolve("file"), "x");
    try (Store store = Store.open(dir.resolve("state.db"))) {
      store.update(
          "INSERT INTO operations (id, kind, target, state, phase, partial_path,"
              + " created_at, updated_at) VALUES ('dead1', 'image-pull', 'debian', 'running',"
              + " 'downloading', ?, 't', 't')",
          dir.resolve("staging").toString());

      int interrupted = new OperationManager(store).interruptLeftovers();

      assertThat(interrupted).isEqualTo(1);
      OperationView op = new OperationManager(store).find("dead1").orElseThrow();
      assertThat(op.state()).isEqualTo("interrupted");
      assertThat(op.message()).contains("partial files were removed");
      assertThat(dir.resolve("staging")).doesNotExist();
    }
  }
}
