package dev.banger.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.banger.archive.CpioNewcWriter;
import dev.banger.kernel.BootFileValidator.ImageFiles;
import dev.banger.kernel.BootFileValidator.KernelFiles;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class BootFileValidatorTest {

  @TempDir Path temp;
  private final BootFileValidator validator = new BootFileValidator();

  @Test
  void acceptsTheRealDebianKernelInBothForms() throws Exception {
    KernelLayout kernel = DebianCloudKernel.layout();

    KernelImageFormat format =
        validator.checkKernelFiles(
            new KernelFiles(
                kernel.vmlinux(), Optional.of(kernel.initrd()), Optional.of(kernel.modules())));

    assertThat(format).isEqualTo(KernelImageFormat.ELF);
    assertThat(validator.checkKernel(kernel.bzImage())).isEqualTo(KernelImageFormat.BZIMAGE);
  }

  @Test
  void refusesAKernelThatIsNeitherElfNorBzImage() throws Exception {
    Path kernel = Files.writeString(temp.resolve("vmlinuz"), "#!/bin/sh\necho not a kernel\n");

    assertThatThrownBy(() -> validator.checkKernel(kernel))
        .isInstanceOf(InvalidBootFileException.class)
        .hasMessageContaining("kernel '" + kernel + "' is neither an ELF vmlinux")
        .hasMessageContaining("\"HdrS\" at offset 0x202");
  }

  @Test
  void refusesAnElfForAnotherArchitecture() throws Exception {
    Path kernel =
        Files.write(temp.resolve("vmlinux"), TestElf.executable(100, true, TestElf.EM_AARCH64));

    assertThatThrownBy(() -> validator.checkKernel(kernel))
        .hasMessageContaining("is an ELF file but not a usable vmlinux")
        .hasMessageContaining("not for x86-64");
  }

  @ParameterizedTest
  @EnumSource(
      value = PayloadCompression.class,
      names = {"GZIP", "XZ", "ZSTD", "LZ4_LEGACY", "LZ4_FRAME"})
  void acceptsCompressedCpioInitrds(PayloadCompression compression) throws Exception {
    Path initrd =
        Files.write(
            temp.resolve("initrd-" + compression),
            TestCompressors.compress(compression, cpio(), temp));

    validator.checkInitrd(initrd);
  }

  @Test
  void acceptsAnUncompressedCpioInitrd() throws Exception {
    validator.checkInitrd(Files.write(temp.resolve("initrd.cpio"), cpio()));
  }

  @Test
  void refusesAnInitrdThatIsNotCpio() throws Exception {
    Path initrd =
        Files.write(
            temp.resolve("initrd.gz"),
            TestCompressors.compress(
                PayloadCompression.GZIP, "hello world".getBytes(StandardCharsets.UTF_8), temp));

    assertThatThrownBy(() -> validator.checkInitrd(initrd))
        .hasMessageContaining("initrd '" + initrd + "' is not a cpio newc archive once GZIP")
        .hasMessageContaining("starts with 'hello '");
  }

  @Test
  void refusesACorruptCompressedInitrd() throws Exception {
    byte[] data = TestCompressors.compress(PayloadCompression.XZ, cpio(), temp);
    for (int i = 12; i < data.length - 12; i++) {
      data[i] ^= (byte) 0x33;
    }
    Path initrd = Files.write(temp.resolve("initrd.xz"), data);

    assertThatThrownBy(() -> validator.checkInitrd(initrd))
        .hasMessageContaining("initrd '" + initrd + "' cannot be decompressed as XZ");
  }

  @Test
  void acceptsAnExt4MadeByMkfs() throws Exception {
    validator.checkExt4(mkfs("rootfs.ext4"), "rootfs");
  }

  @Test
  void refusesAFileWithoutExt4Superblock() throws Exception {
    Path rootfs = Files.write(temp.resolve("rootfs.img"), new byte[8192]);

    assertThatThrownBy(() -> validator.checkExt4(rootfs, "rootfs"))
        .hasMessageContaining("rootfs '" + rootfs + "' has no ext4 superblock (magic 0x0000");
  }

  @Test
  void refusesATruncatedExt4() throws Exception {
    Path rootfs = mkfs("cut.ext4");
    try (FileChannel channel = FileChannel.open(rootfs, StandardOpenOption.WRITE)) {
      channel.truncate(channel.size() / 2);
    }

    assertThatThrownBy(() -> validator.checkExt4(rootfs, "work-seed"))
        .hasMessageContaining("work-seed '" + rootfs + "' claims")
        .hasMessageContaining("(truncated?)");
  }

  @Test
  void refusesAnExt4WithUnknownIncompatibleFeatures() throws Exception {
    Path rootfs = mkfs("future.ext4");
    setSuperblockField(rootfs, 0x60, 0x8000_0000 | readSuperblockField(rootfs, 0x60));

    assertThatThrownBy(() -> validator.checkExt4(rootfs, "rootfs"))
        .hasMessageContaining("uses incompatible features 0x80000000");
  }

  @Test
  void refusesAnExt4MarkedReadOnly() throws Exception {
    Path rootfs = mkfs("ro.ext4");
    setSuperblockField(rootfs, 0x64, 0x1000 | readSuperblockField(rootfs, 0x64));

    assertThatThrownBy(() -> validator.checkExt4(rootfs, "rootfs"))
        .hasMessageContaining("marked read-only");
  }

  @Test
  void imageRegistrationListsEveryProblemAtOnce() throws Exception {
    Path rootfs = Files.write(temp.resolve("rootfs"), new byte[4096]);
    Path kernel = Files.writeString(temp.resolve("kernel"), "nope");
    Path modules = Files.createDirectories(temp.resolve("modules"));
    Path missing = temp.resolve("missing-seed.ext4");

    assertThatThrownBy(
            () ->
                validator.checkImageFiles(
                    new ImageFiles(
                        rootfs,
                        kernel,
                        Optional.empty(),
                        Optional.of(modules),
                        Optional.of(missing))))
        .isInstanceOfSatisfying(
            InvalidBootFileException.class,
            e ->
                assertThat(e.problems())
                    .hasSize(4)
                    .anyMatch(p -> p.startsWith("rootfs '" + rootfs + "'"))
                    .anyMatch(p -> p.startsWith("kernel '" + kernel + "'"))
                    .anyMatch(p -> p.contains("'" + modules + "' has no modules.dep"))
                    .anyMatch(p -> p.equals("work-seed '" + missing + "' does not exist")));
  }

  @Test
  void validImageRegistrationPasses() throws Exception {
    KernelLayout kernel = DebianCloudKernel.layout();

    KernelImageFormat format =
        validator.checkImageFiles(
            new ImageFiles(
                mkfs("rootfs.ext4"),
                kernel.bzImage(),
                Optional.of(kernel.initrd()),
                Optional.of(kernel.modules()),
                Optional.of(mkfs("work.ext4"))));

    assertThat(format).isEqualTo(KernelImageFormat.BZIMAGE);
  }

  private static byte[] cpio() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (CpioNewcWriter writer = new CpioNewcWriter(bytes)) {
      writer.file("init", 0755, 0, "#!/bin/sh\n".getBytes(StandardCharsets.US_ASCII));
    }
    return bytes.toByteArray();
  }

  private Path mkfs(String name) throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/sbin/mkfs.ext4")), "needs mkfs.ext4 (e2fsprogs)");
    Path image = temp.resolve(name);
    Process mkfs =
        new ProcessBuilder("mkfs.ext4", "-q", image.toString(), "8M")
            .redirectErrorStream(true)
            .start();
    String output = new String(mkfs.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(mkfs.waitFor()).as(output).isZero();
    return image;
  }

  private static int readSuperblockField(Path image, int offset) throws Exception {
    try (FileChannel channel = FileChannel.open(image, StandardOpenOption.READ)) {
      ByteBuffer field = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
      channel.read(field, Ext4Superblock.OFFSET + offset);
      return field.getInt(0);
    }
  }

  private static void setSuperblockField(Path image, int offset, int value) throws Exception {
    try (FileChannel channel = FileChannel.open(image, StandardOpenOption.WRITE)) {
      ByteBuffer field = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, value);
      channel.write(field, Ext4Superblock.OFFSET + offset);
    }
  }
}
