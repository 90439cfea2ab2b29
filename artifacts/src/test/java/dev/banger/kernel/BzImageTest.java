package dev.banger.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.download.Cancellation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class BzImageTest {

  private static final String VERSION = "6.1.0-99-test-amd64 (tester@example) #1 SMP Debian";

  @TempDir Path temp;

  @ParameterizedTest
  @EnumSource(
      value = PayloadCompression.class,
      names = {"GZIP", "XZ", "ZSTD", "LZ4_LEGACY"})
  void extractsTheElfFromEachKernelCompression(PayloadCompression compression) throws Exception {
    byte[] elf = TestElf.executable(300_000, true, TestElf.EM_X86_64);
    Path bzImage = bzImage(compression, elf);

    BzImage image = BzImage.read(bzImage);
    VmlinuxInfo info = image.extractVmlinux(temp.resolve("vmlinux"), Cancellation.create());

    assertThat(image.payloadCompression()).isEqualTo(compression);
    assertThat(image.setupSectors()).isEqualTo(TestBzImage.SETUP_SECTS);
    assertThat(image.protocolVersion()).isEqualTo(0x020F);
    assertThat(image.versionString()).isEqualTo(VERSION);
    assertThat(image.release()).isEqualTo("6.1.0-99-test-amd64");
    assertThat(Files.readAllBytes(temp.resolve("vmlinux"))).isEqualTo(elf);
    assertThat(info.pvhNote()).isTrue();
    assertThat(info.pvhEntryPoint()).isEqualTo(TestElf.PVH_ENTRY);
    assertThat(info.entryPoint()).isEqualTo(0x100_0000L);
    assertThat(info.size()).isEqualTo(elf.length);
    assertThat(temp.resolve("vmlinux.part")).doesNotExist();
  }

  @Test
  void elfWithoutPvhNoteIsExtractedAndReportedAsSuch() throws Exception {
    byte[] elf = TestElf.executable(10_000, false, TestElf.EM_X86_64);

    VmlinuxInfo info =
        BzImage.read(bzImage(PayloadCompression.GZIP, elf))
            .extractVmlinux(temp.resolve("vmlinux"), Cancellation.create());

    assertThat(info.pvhNote()).isFalse();
    assertThat(info.pvhEntryPoint()).isZero();
  }

  @Test
  void fileWithoutSetupHeaderMagicIsRefused() throws Exception {
    byte[] image = TestBzImage.build(new byte[100], VERSION);
    image[0x202] = 'X';
    Path file = Files.write(temp.resolve("not-bz"), image);

    assertThatThrownBy(() -> BzImage.read(file))
        .isInstanceOf(KernelException.class)
        .hasMessageContaining("'" + file + "' is not a usable bzImage")
        .hasMessageContaining("\"HdrS\"");
  }

  @Test
  void wrongBootFlagIsRefused() throws Exception {
    byte[] image = TestBzImage.build(new byte[100], VERSION);
    image[0x1FE] = 0;
    Path file = Files.write(temp.resolve("bad-flag"), image);

    assertThatThrownBy(() -> BzImage.read(file)).hasMessageContaining("boot flag");
  }

  @Test
  void protocolOlderThan208IsRefused() throws Exception {
    byte[] image = TestBzImage.build(new byte[100], VERSION);
    image[0x206] = 0x04;
    Path file = Files.write(temp.resolve("old"), image);

    assertThatThrownBy(() -> BzImage.read(file)).hasMessageContaining("boot protocol 2.04");
  }

  @Test
  void payloadBeyondTheEndOfTheFileIsRefused() throws Exception {
    byte[] image = TestBzImage.build(new byte[100], VERSION);
    Path file = Files.write(temp.resolve("cut"), Arrays.copyOf(image, image.length - 120));

    assertThatThrownBy(() -> BzImage.read(file))
        .hasMessageContaining("does not fit")
        .hasMessageContaining("truncated or corrupt");
  }

  @ParameterizedTest
  @EnumSource(
      value = PayloadCompression.class,
      names = {"GZIP", "XZ", "ZSTD", "LZ4_LEGACY"})
  void corruptPayloadIsAClearErrorAndLeavesNoFile(PayloadCompression compression) throws Exception {
    byte[] elf = TestElf.executable(200_000, true, TestElf.EM_X86_64);
    Path file = bzImage(compression, elf);
    byte[] image = Files.readAllBytes(file);
    int middle = TestBzImage.payloadStart() + (image.length - TestBzImage.payloadStart()) / 2;
    for (int i = middle; i < middle + 64; i++) {
      image[i] ^= (byte) 0x5A;
    }
    Files.write(file, image);
    Path output = temp.resolve("vmlinux");

    assertThatThrownBy(() -> BzImage.read(file).extractVmlinux(output, Cancellation.create()))
        .isInstanceOf(KernelException.class)
        .hasMessageContaining("Cannot decompress the " + compression + " payload")
        .hasMessageContaining(file.toString());
    assertThat(output).doesNotExist();
    assertThat(temp.resolve("vmlinux.part")).doesNotExist();
  }

  @Test
  void payloadThatIsNotAnElfIsRefused() throws Exception {
    byte[] notElf = TestElf.body(5000);
    Path file = bzImage(PayloadCompression.GZIP, notElf);

    assertThatThrownBy(
            () -> BzImage.read(file).extractVmlinux(temp.resolve("v"), Cancellation.create()))
        .hasMessageContaining("is not an ELF file");
    assertThat(temp.resolve("v")).doesNotExist();
  }

  @Test
  void elfForAnotherArchitectureIsRefused() throws Exception {
    Path file =
        bzImage(PayloadCompression.LZ4_LEGACY, TestElf.executable(5000, true, TestElf.EM_AARCH64));

    assertThatThrownBy(
            () -> BzImage.read(file).extractVmlinux(temp.resolve("v"), Cancellation.create()))
        .hasMessageContaining("is not for x86-64 (e_machine 183");
  }

  @Test
  void unsupportedPayloadCompressionIsNamed() throws Exception {
    Path file = bzImage(PayloadCompression.BZIP2, TestElf.executable(5000, true, 62));

    assertThatThrownBy(
            () -> BzImage.read(file).extractVmlinux(temp.resolve("v"), Cancellation.create()))
        .hasMessageContaining("payload is BZIP2 compressed, which banger does not decode");
  }

  @Test
  void wrongSizeTrailerAfterLz4PayloadIsDetected() throws Exception {
    byte[] elf = TestElf.executable(50_000, true, TestElf.EM_X86_64);
    byte[] payload =
        TestCompressors.withSizeTrailer(
            TestCompressors.compress(PayloadCompression.LZ4_LEGACY, elf, temp), elf.length + 1);
    Path file = Files.write(temp.resolve("bz"), TestBzImage.build(payload, VERSION));

    assertThatThrownBy(
            () -> BzImage.read(file).extractVmlinux(temp.resolve("v"), Cancellation.create()))
        .hasMessageContaining("trailer says " + (elf.length + 1));
  }

  @Test
  void cancellationStopsTheExtractionAndLeavesNoFile() throws Exception {
    Path file = bzImage(PayloadCompression.LZ4_LEGACY, TestElf.executable(1 << 20, true, 62));
    Cancellation cancellation = Cancellation.create();
    cancellation.cancel();

    assertThatThrownBy(() -> BzImage.read(file).extractVmlinux(temp.resolve("v"), cancellation))
        .isInstanceOf(java.util.concurrent.CancellationException.class);
    assertThat(temp.resolve("v")).doesNotExist();
    assertThat(temp.resolve("v.part")).doesNotExist();
  }

  private Path bzImage(PayloadCompression compression, byte[] elf) throws Exception {
    byte[] compressed = TestCompressors.compress(compression, elf, temp);
    // As the kernel build does: every payload but gzip carries the size trailer.
    byte[] payload =
        compression == PayloadCompression.GZIP
            ? compressed
            : TestCompressors.withSizeTrailer(compressed, elf.length);
    return Files.write(temp.resolve("bzImage-" + compression), TestBzImage.build(payload, VERSION));
  }
}
