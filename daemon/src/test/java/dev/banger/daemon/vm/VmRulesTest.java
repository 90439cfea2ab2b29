package dev.banger.daemon.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.daemon.http.ApiException;
import dev.banger.daemon.store.Store;
import dev.banger.network.IpAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VmRulesTest {
  @Test
  void sizesOutsideTheLimitsAreRefusedNamingTheOption() {
    VmService.validateSizes(1, 128, 64L << 20);
    VmService.validateSizes(32, 65536, 8L << 30);

    assertThatThrownBy(() -> VmService.validateSizes(0, 512, 1L << 30))
        .isInstanceOf(ApiException.class)
        .hasMessageContaining("invalid --cpus 0");
    assertThatThrownBy(() -> VmService.validateSizes(33, 512, 1L << 30))
        .hasMessageContaining("use 1 to 32");
    assertThatThrownBy(() -> VmService.validateSizes(2, 127, 1L << 30))
        .hasMessageContaining("invalid --memory 127M");
    assertThatThrownBy(() -> VmService.validateSizes(2, 512, 1L << 20))
        .hasMessageContaining("invalid --disk 1M");
    assertThatThrownBy(() -> VmService.parseDisk("big")).hasMessageContaining("invalid --disk");
  }

  @Test
  void guestCidsAreAboveTheReservedOnesAndStablePerVm() {
    assertThat(VmService.guestCid("0000000a11223344")).isEqualTo(3);
    assertThat(VmService.guestCid("ffffffff00000000")).isEqualTo(3 + 0xfffffffL);
    assertThat(VmService.guestCid("97d21a99406fea72"))
        .isEqualTo(VmService.guestCid("97d21a99406fea72"));
  }

  @Test
  void theAddressBookGivesEachAddressToOneVmEvenUnderContention(@TempDir Path dir)
      throws Exception {
    try (Store store = Store.open(dir.resolve("state.db"))) {
      StoreAddressBook book = new StoreAddressBook(store);
      IpAddress wanted = IpAddress.parse("172.30.0.9");
      List<Boolean> won = Collections.synchronizedList(new ArrayList<>());
      try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
        List<Future<?>> all = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
          String vm = "vm" + i;
          all.add(pool.submit(() -> won.add(book.reserve(vm, wanted))));
        }
        for (Future<?> f : all) {
          f.get();
        }
      }

      assertThat(won).containsOnlyOnce(true);
      assertThat(book.inUse()).containsExactly(wanted);
      String owner = store.query("SELECT vm_id FROM addresses", rs -> rs.getString(1)).getFirst();
      assertThat(book.addressOf(owner)).contains(wanted);
      book.release(owner);
      assertThat(book.inUse()).isEmpty();
    }
  }
}
