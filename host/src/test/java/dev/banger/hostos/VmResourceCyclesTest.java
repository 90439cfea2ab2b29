package dev.banger.hostos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.banger.disk.CowStrategy;
import dev.banger.disk.DiskFixtures;
import dev.banger.disk.DiskReaper;
import dev.banger.disk.Ext4Files;
import dev.banger.disk.LoopMountedFilesystem;
import dev.banger.disk.RootDisk;
import dev.banger.disk.RootDiskFactory;
import dev.banger.disk.WorkDisk;
import dev.banger.disk.WorkDiskFactory;
import dev.banger.network.AddressBook;
import dev.banger.network.BridgedNetwork;
import dev.banger.network.InMemoryAddressBook;
import dev.banger.network.Nat;
import dev.banger.network.NatBackend;
import dev.banger.network.NetworkNamespace;
import dev.banger.network.NetworkReaper;
import dev.banger.network.NetworkSettings;
import dev.banger.network.VmNetwork;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/**
 * Twenty create/remove cycles of everything this module makes for a VM (root disk, work disk with
 * the SSH key, TAP with its address), checked by listing the host, not by trusting the code that
 * removed them.
 */
class VmResourceCyclesTest {
  private static final int CYCLES = 20;
  private static final long MIB = 1024 * 1024;
  private static final String KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBangerCycleTestKey cycle";

  @TempDir Path dir;

  @Test
  void twentyCyclesWithReflinkDisksLeaveNothingBehind() throws Exception {
    assumeTrue(Privileges.isRoot(), "needs root to mount xfs and create TAPs");
    try (LoopMountedFilesystem xfs = LoopMountedFilesystem.xfsWithReflink(dir)) {
      runCycles(xfs.root(), CowStrategy.REFLINK);
    }
  }

  @Test
  void twentyCyclesWithSparseCopiesLeaveNothingBehind() throws Exception {
    assumeTrue(Privileges.isRoot(), "needs root (CAP_NET_ADMIN) to create TAPs");
    assumeTrue(
        "ext4".equals(Files.getFileStore(dir).type()),
        "needs the temporary directory on ext4 (no reflink)");
    runCycles(dir, CowStrategy.SPARSE_COPY);
  }

  private static void runCycles(Path stateDir, CowStrategy expected) throws Exception {
    CommandRunner host = CommandRunner.onHost();
    Path image = DiskFixtures.ext4Image(stateDir, "rootfs.ext4", 256 * MIB, 4 * 1024 * 1024);
    Path vms = Files.createDirectories(stateDir.resolve("vms"));
    RootDiskFactory roots = new RootDiskFactory(host);
    WorkDiskFactory works = new WorkDiskFactory(host);
    Ext4Files ext4 = new Ext4Files(host);
    AddressBook book = new InMemoryAddressBook();

    try (NetworkNamespace ns = NetworkNamespace.create();
        NetworkNamespace outside = NetworkNamespace.create()) {
      ns.addUplinkTo(outside);
      BridgedNetwork network =
          new BridgedNetwork(
              ns.runner(), NetworkSettings.defaults(), new Nat(ns.runner(), NatBackend.NFTABLES));
      network.ensureHostSide();
      HostResources resources = new HostResources(ns.runner());

      for (int cycle = 0; cycle < CYCLES; cycle++) {
        String vmId = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        Path vmDir = vms.resolve(vmId);

        RootDisk root = roots.create(image, vmDir, vmId);
        ext4.authorizeSshKey(root.path(), KEY);
        WorkDisk work = works.create(vmDir, Optional.empty(), 256 * MIB);
        VmNetwork nic = network.connect(vmId, book, 0);
        Process vmm = standInVmm(vmDir);

        assertThat(root.strategy()).isEqualTo(expected);
        assertThat(resources.taggedInterfaces())
            .extracting(t -> t.tag().vmId())
            .containsExactly(vmId);
        assertThat(resources.processesMentioning(vmDir)).hasSize(1);
        assertThat(book.addressOf(vmId)).contains(nic.address());

        removeVm(vmm, roots, root, works, work, network, book, vmId, vmDir);

        assertNothingLeft(ns, resources, vms, book);
      }

      assertThat(new NetworkReaper(ns.runner()).reap(Set.of())).isEmpty();
      assertThat(new DiskReaper(host).reap(vms, Set.of())).isEmpty();
      network.removeHostSide();
    }
  }

  /** What the daemon's {@code vm rm} does with this module's API. */
  private static void removeVm(
      Process vmm,
      RootDiskFactory roots,
      RootDisk root,
      WorkDiskFactory works,
      WorkDisk work,
      BridgedNetwork network,
      AddressBook book,
      String vmId,
      Path vmDir)
      throws Exception {
    vmm.destroy();
    vmm.waitFor(10, TimeUnit.SECONDS);
    roots.destroy(root);
    works.destroy(work);
    network.disconnect(vmId, book);
    try (Stream<Path> left = Files.walk(vmDir)) {
      for (Path path : left.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }

  private static void assertNothingLeft(
      NetworkNamespace ns, HostResources resources, Path vms, AddressBook book) throws Exception {
    assertThat(resources.taggedInterfaces()).isEmpty();
    assertThat(resources.loopDevicesUnder(vms)).isEmpty();
    assertThat(resources.deviceMapperDevices()).isEmpty();
    assertThat(resources.processesMentioning(vms)).isEmpty();
    try (Stream<Path> files = Files.list(vms)) {
      assertThat(files).isEmpty();
    }
    assertThat(book.inUse()).isEmpty();
    List<String> interfaces =
        JsonMapper.shared()
            .readTree(ns.exec("ip", "-j", "link", "show"))
            .valueStream()
            .map(link -> link.path("ifname").asString())
            .toList();
    assertThat(interfaces).containsExactlyInAnyOrder("lo", "up0", "banger0");
  }

  /** A process that, like a VMM, keeps a VM file in its command line while it runs. */
  private static Process standInVmm(Path vmDir) throws Exception {
    Path console = Files.writeString(vmDir.resolve("console.log"), "");
    return new ProcessBuilder("tail", "-f", console.toString()).start();
  }
}
