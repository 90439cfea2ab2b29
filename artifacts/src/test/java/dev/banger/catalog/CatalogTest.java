package dev.banger.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CatalogTest {

  private static final String SHA = "ab".repeat(32);

  @TempDir Path temp;

  @Test
  void embeddedCatalogHasTheDefaultImageAndItsKernel() throws Exception {
    Catalog catalog = Catalog.embedded();

    ImageEntry image = catalog.image(Catalog.DEFAULT_IMAGE).orElseThrow();
    KernelEntry kernel = catalog.kernel(Catalog.DEFAULT_KERNEL).orElseThrow();

    assertThat(image.arch()).isEqualTo("x86_64");
    assertThat(image.recipe()).contains(new ImageRecipe("debian-bookworm", "debian-cloud"));
    assertThat(kernel.recipe()).contains(new KernelRecipe("linux-image-cloud-amd64"));
    assertThat(kernel.bundle()).isEmpty();
    assertThat(catalog.kernels()).extracting(KernelEntry::name).containsExactly("debian-cloud");
  }

  @Test
  void missingUserFileMeansTheEmbeddedCatalog() throws Exception {
    Catalog catalog = Catalog.load(temp.resolve("catalog.json"));

    assertThat(catalog.images()).isEqualTo(Catalog.embedded().images());
  }

  @Test
  void userFileAddsEntriesAndOverridesByName() throws Exception {
    Path file =
        write(
            """
            {"kernels": [{"name": "debian-cloud", "description": "mirror of ours",
                          "arch": "x86_64",
                          "sources": {"bundle": {"url": "https://bundles.example/k.tar.zst",
                                                 "sha256": "%s", "size": 123},
                                      "recipe": {"debian-package": "linux-image-cloud-amd64"}}}],
             "images": [{"name": "alpine-dev", "description": "small", "arch": "x86_64",
                         "sources": {"bundle": {"url": "http://10.0.0.1/a.tar.zst",
                                                "sha256": "%s", "size": 5}}}]}
            """
                .formatted(SHA, SHA));

    Catalog catalog = Catalog.load(file);

    KernelEntry kernel = catalog.kernel("debian-cloud").orElseThrow();
    assertThat(kernel.description()).isEqualTo("mirror of ours");
    assertThat(kernel.bundle())
        .contains(new BundleSource(URI.create("https://bundles.example/k.tar.zst"), SHA, 123));
    assertThat(catalog.images())
        .extracting(ImageEntry::name)
        .containsExactly("debian-bookworm", "alpine-dev");
    assertThat(catalog.image("alpine-dev").orElseThrow().recipe()).isEmpty();
    assertThat(catalog.image("nope")).isEqualTo(Optional.empty());
  }

  @Test
  void malformedJsonNamesTheFileLineAndColumn() throws Exception {
    Path file = write("{\"kernels\": [\n  {\"name\": \"x\",,}\n]}");

    assertThatThrownBy(() -> Catalog.load(file))
        .isInstanceOf(CatalogException.class)
        .hasMessageContaining("catalog file '" + file + "' is not valid JSON at line 2, column");
  }

  @Test
  void unknownFieldIsNamedWithItsPlace() throws Exception {
    Path file =
        write(
            """
            {"images": [{"name": "a", "description": "d", "arch": "x86_64",
                         "sources": {"recipe": {"golden": "debian-bookworm",
                                                "kernel": "debian-cloud",
                                                "kernal": "typo"}}}]}
            """);

    assertThatThrownBy(() -> Catalog.load(file))
        .hasMessageContaining("catalog file '" + file + "': images[0].sources.recipe.kernal")
        .hasMessageContaining("is not a known field (expected golden, kernel)");
  }

  @Test
  void badChecksumIsRefused() throws Exception {
    Path file =
        write(
            """
            {"kernels": [{"name": "k", "description": "d", "arch": "x86_64",
              "sources": {"bundle": {"url": "https://x.example/k", "sha256": "ABC", "size": 1}}}]}
            """);

    assertThatThrownBy(() -> Catalog.load(file))
        .hasMessageContaining("kernels[0].sources.bundle.sha256 must be 64 lower-case hex digits");
  }

  @Test
  void nonHttpBundleUrlIsRefused() throws Exception {
    Path file =
        write(
            """
            {"kernels": [{"name": "k", "description": "d", "arch": "x86_64",
              "sources": {"bundle": {"url": "file:///etc/passwd", "sha256": "%s", "size": 1}}}]}
            """
                .formatted(SHA));

    assertThatThrownBy(() -> Catalog.load(file))
        .hasMessageContaining(
            "kernels[0].sources.bundle.url 'file:///etc/passwd' must be an " + "http or https URL");
  }

  @Test
  void entryWithoutAnySourceIsRefused() throws Exception {
    Path file =
        write(
            "{\"kernels\": [{\"name\": \"k\", \"description\": \"d\", \"arch\": \"x86_64\","
                + " \"sources\": {}}]}");

    assertThatThrownBy(() -> Catalog.load(file))
        .hasMessageContaining("kernels[0].sources needs a \"bundle\" or a \"recipe\"");
  }

  @Test
  void imageNeedingAnUnknownKernelIsRefused() throws Exception {
    Path file =
        write(
            """
            {"images": [{"name": "custom", "description": "d", "arch": "x86_64",
              "sources": {"recipe": {"golden": "debian-bookworm", "kernel": "mainline"}}}]}
            """);

    assertThatThrownBy(() -> Catalog.load(file))
        .hasMessageContaining("catalog file '" + file + "'")
        .hasMessageContaining("image 'custom' needs kernel 'mainline'");
  }

  @Test
  void duplicateNamesInOneFileAreRefused() throws Exception {
    String kernel =
        "{\"name\": \"k\", \"description\": \"d\", \"arch\": \"x86_64\","
            + " \"sources\": {\"recipe\": {\"debian-package\": \"linux-image-amd64\"}}}";
    Path file = write("{\"kernels\": [" + kernel + ", " + kernel + "]}");

    assertThatThrownBy(() -> Catalog.load(file))
        .hasMessageContaining("kernels[1].name kernel k is defined twice in this file");
  }

  @Test
  void unsupportedArchitectureAndBadNamesAreRefused() throws Exception {
    Path arm =
        write(
            "{\"kernels\": [{\"name\": \"k\", \"description\": \"d\", \"arch\": \"aarch64\","
                + " \"sources\": {\"recipe\": {\"debian-package\": \"linux-image-arm64\"}}}]}");
    assertThatThrownBy(() -> Catalog.load(arm))
        .hasMessageContaining("kernels[0].arch 'aarch64' is not supported");

    Path upper =
        write(
            "{\"kernels\": [{\"name\": \"My Kernel\", \"description\": \"d\", \"arch\":"
                + " \"x86_64\", \"sources\": {\"recipe\": {\"debian-package\": \"x\"}}}]}");
    assertThatThrownBy(() -> Catalog.load(upper))
        .hasMessageContaining("kernels[0].name 'My Kernel' must be 1-64 of [a-z0-9._-]");
  }

  @Test
  void documentThatIsNotAnObjectIsRefused() throws Exception {
    Path file = write("[1, 2]");

    assertThatThrownBy(() -> Catalog.load(file))
        .hasMessageContaining("catalog file '" + file + "': the document must be a JSON object");
  }

  private Path write(String json) throws Exception {
    return Files.writeString(temp.resolve("catalog-" + System.nanoTime() + ".json"), json);
  }
}
