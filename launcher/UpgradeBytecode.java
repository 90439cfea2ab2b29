import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Enumeration;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Opcodes;

/**
 * Rewrites the classes of a jar compiled for Java 5 or older as Java 8 class files with stack
 * map frames. The JVM's AOT cache cannot hold classes older than version 50, and picocli is
 * compiled for Java 5: without this its 200 classes are parsed and verified on every CLI call.
 * Run with `java -cp ASM_JAR launcher/UpgradeBytecode.java JAR`; the jar is rewritten in place.
 */
public final class UpgradeBytecode {
  private static final int MIN_VERSION = Opcodes.V1_8;

  private UpgradeBytecode() {}

  public static void main(String[] args) throws IOException {
    Path jar = Path.of(args[0]);
    Path tmp = jar.resolveSibling(jar.getFileName() + ".upgraded");
    try (URLClassLoader loader =
            new URLClassLoader(new URL[] {jar.toUri().toURL()}, null);
        JarFile in = new JarFile(jar.toFile());
        OutputStream file = Files.newOutputStream(tmp);
        JarOutputStream out = new JarOutputStream(file, in.getManifest())) {
      for (Enumeration<JarEntry> e = in.entries(); e.hasMoreElements(); ) {
        JarEntry entry = e.nextElement();
        if (entry.getName().equals("META-INF/MANIFEST.MF")) {
          continue;
        }
        out.putNextEntry(new JarEntry(entry.getName()));
        try (InputStream data = in.getInputStream(entry)) {
          byte[] bytes = data.readAllBytes();
          out.write(entry.getName().endsWith(".class") ? upgrade(bytes, loader) : bytes);
        }
        out.closeEntry();
      }
    }
    Files.move(tmp, jar, StandardCopyOption.REPLACE_EXISTING);
  }

  private static byte[] upgrade(byte[] bytes, ClassLoader loader) {
    ClassReader reader = new ClassReader(bytes);
    ClassWriter writer =
        new ClassWriter(ClassWriter.COMPUTE_FRAMES) {
          @Override
          protected ClassLoader getClassLoader() {
            return loader;
          }
        };
    ClassVisitor bump =
        new ClassVisitor(Opcodes.ASM9, writer) {
          @Override
          public void visit(
              int version, int access, String name, String sig, String sup, String[] ifs) {
            int major = version & 0xFFFF;
            super.visit(Math.max(major, MIN_VERSION), access, name, sig, sup, ifs);
          }
        };
    reader.accept(bump, ClassReader.SKIP_FRAMES);
    return writer.toByteArray();
  }
}
