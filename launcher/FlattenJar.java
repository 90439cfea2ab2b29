import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * Rewrites a multi-release jar in place as a plain jar holding, for each class, the version a
 * Java 25 runtime would pick. The JVM's AOT cache skips classes from multi-release jars, which
 * costs the CLI about 100 ms per call; a flattened jar loads the same classes from the cache.
 * Run with `java launcher/FlattenJar.java JAR...` (source-file mode, no build step).
 */
public final class FlattenJar {
  private static final int RUNTIME = Runtime.version().feature();

  private FlattenJar() {}

  public static void main(String[] args) throws IOException {
    for (String arg : args) {
      flatten(Path.of(arg));
    }
  }

  private static void flatten(Path jar) throws IOException {
    Map<String, JarEntry> chosen = new LinkedHashMap<>();
    Map<String, Integer> chosenVersion = new LinkedHashMap<>();
    try (JarFile in = new JarFile(jar.toFile())) {
      Manifest manifest = in.getManifest();
      if (manifest == null
          || !"true".equalsIgnoreCase(
              manifest.getMainAttributes().getValue(Attributes.Name.MULTI_RELEASE))) {
        return;
      }
      for (Enumeration<JarEntry> e = in.entries(); e.hasMoreElements(); ) {
        JarEntry entry = e.nextElement();
        String name = entry.getName();
        int version = 0;
        if (name.startsWith("META-INF/versions/")) {
          String rest = name.substring("META-INF/versions/".length());
          int slash = rest.indexOf('/');
          if (slash < 0) {
            continue;
          }
          version = Integer.parseInt(rest.substring(0, slash));
          name = rest.substring(slash + 1);
          if (version > RUNTIME || name.isEmpty()) {
            continue;
          }
        }
        if (name.equals("module-info.class") || name.equals("META-INF/MANIFEST.MF")) {
          continue;
        }
        if (chosenVersion.getOrDefault(name, -1) < version) {
          chosen.put(name, entry);
          chosenVersion.put(name, version);
        }
      }
      manifest.getMainAttributes().remove(Attributes.Name.MULTI_RELEASE);
      Path tmp = jar.resolveSibling(jar.getFileName() + ".flat");
      try (OutputStream file = Files.newOutputStream(tmp);
          JarOutputStream out = new JarOutputStream(file, manifest)) {
        for (Map.Entry<String, JarEntry> e : chosen.entrySet()) {
          out.putNextEntry(new JarEntry(e.getKey()));
          try (InputStream data = in.getInputStream(e.getValue())) {
            data.transferTo(out);
          }
          out.closeEntry();
        }
      }
      Files.move(tmp, jar, StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
