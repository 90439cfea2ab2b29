package dev.banger.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class AddressAllocatorTest {
  private static IpAddress ip(String text) {
    return IpAddress.parse(text);
  }

  private final AddressAllocator allocator = new AddressAllocator(Subnet.parse("172.30.0.0/24"));

  @Test
  void firstVmGetsTheAddressAfterTheGateway() {
    assertThat(allocator.lowestFree(Set.of())).contains(ip("172.30.0.2"));
  }

  @Test
  void lowestGapIsReused() {
    Set<IpAddress> inUse = Set.of(ip("172.30.0.2"), ip("172.30.0.4"));

    assertThat(allocator.lowestFree(inUse)).contains(ip("172.30.0.3"));
  }

  @Test
  void networkGatewayAndBroadcastAreNeverGiven() {
    AddressAllocator tiny = new AddressAllocator(Subnet.parse("10.9.0.0/30"));

    assertThat(tiny.lowestFree(Set.of())).contains(ip("10.9.0.2"));
    assertThat(tiny.lowestFree(Set.of(ip("10.9.0.2")))).isEmpty();
  }

  @Test
  void vmKeepsItsAddressAndReleaseFreesIt() throws Exception {
    AddressBook book = new InMemoryAddressBook();

    IpAddress first = allocator.allocate(book, "vm-a");
    IpAddress again = allocator.allocate(book, "vm-a");
    IpAddress second = allocator.allocate(book, "vm-b");
    book.release("vm-a");
    IpAddress third = allocator.allocate(book, "vm-c");

    assertThat(first).isEqualTo(again).isEqualTo(ip("172.30.0.2")).isEqualTo(third);
    assertThat(second).isEqualTo(ip("172.30.0.3"));
    assertThat(book.inUse()).containsExactlyInAnyOrder(ip("172.30.0.2"), ip("172.30.0.3"));
  }

  @Test
  void addressFromAnOldSubnetIsReplaced() throws Exception {
    AddressBook book = new InMemoryAddressBook();
    book.reserve("vm-a", ip("192.168.77.9"));

    assertThat(allocator.allocate(book, "vm-a")).isEqualTo(ip("172.30.0.2"));
    assertThat(book.addressOf("vm-a")).contains(ip("172.30.0.2"));
  }

  @Test
  void fullSubnetFailsNamingSubnetAndVm() throws Exception {
    AddressAllocator tiny = new AddressAllocator(Subnet.parse("10.9.0.0/30"));
    AddressBook book = new InMemoryAddressBook();
    tiny.allocate(book, "vm-a");

    assertThatThrownBy(() -> tiny.allocate(book, "vm-b"))
        .isInstanceOf(NetworkException.class)
        .hasMessageContaining("10.9.0.0/30")
        .hasMessageContaining("vm-b");
  }

  @Test
  void concurrentAllocationsNeverShareAnAddress() throws Exception {
    AddressBook book = new InMemoryAddressBook();
    ConcurrentLinkedQueue<IpAddress> given = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      String vmId = "vm-" + i;
      threads.add(
          Thread.startVirtualThread(
              () -> {
                try {
                  start.await();
                  given.add(allocator.allocate(book, vmId));
                } catch (Exception e) {
                  failures.add(e);
                }
              }));
    }
    start.countDown();
    for (Thread thread : threads) {
      thread.join();
    }

    assertThat(failures).isEmpty();
    assertThat(new HashSet<>(given)).hasSize(100);
    assertThat(book.inUse()).hasSize(100);
  }

  @Test
  void addressBookRefusesAnAddressHeldByAnotherVm() {
    AddressBook book = new InMemoryAddressBook();

    assertThat(book.reserve("vm-a", ip("172.30.0.2"))).isTrue();
    assertThat(book.reserve("vm-a", ip("172.30.0.2"))).isTrue();
    assertThat(book.reserve("vm-b", ip("172.30.0.2"))).isFalse();
    assertThat(book.addressOf("vm-b")).isEmpty();
  }
}
