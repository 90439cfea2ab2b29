package dev.banger.guest.wire;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** One shared protocol vector from {@code agent/testdata/vectors} (format in its README). */
record Vector(
    String name,
    String direction,
    FrameType type,
    int channel,
    String expect,
    int skipped,
    List<VectorField> fields,
    Map<String, String> values,
    byte[] payload,
    byte[] frame) {

  /** One {@code field} line: the tag, its kind, its bytes and (for numbers and text) value. */
  record VectorField(FieldTag tag, String kind, byte[] raw, long number, String text) {}

  static Path directory() {
    String root = System.getProperty("banger.root");
    if (root == null) {
      throw new IllegalStateException(
          "system property banger.root is not set (the parent POM"
              + " sets it to the repository root)");
    }
    return Path.of(root, "agent", "testdata", "vectors");
  }

  static List<Vector> all() {
    try (Stream<Path> files = Files.list(directory())) {
      return files.filter(p -> p.toString().endsWith(".vec")).sorted().map(Vector::load).toList();
    } catch (IOException e) {
      throw new UncheckedIOException("listing " + directory(), e);
    }
  }

  static Vector load(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String direction = null;
    FrameType type = null;
    int channel = 0;
    int skipped = 0;
    String expect = null;
    List<VectorField> fields = new ArrayList<>();
    Map<String, String> values = new LinkedHashMap<>();
    byte[] payload = null;
    StringBuilder frame = new StringBuilder();
    for (String line : lines) {
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int space = line.indexOf(' ');
      String key = space < 0 ? line : line.substring(0, space);
      String rest = space < 0 ? "" : line.substring(space + 1);
      switch (key) {
        case "direction" -> direction = rest;
        case "type" -> type = FrameType.valueOf(rest);
        case "channel" -> channel = Integer.parseInt(rest);
        case "expect" -> expect = rest;
        case "skipped" -> skipped = Integer.parseInt(rest);
        case "field" -> fields.add(field(rest));
        case "value" -> {
          int sp = rest.indexOf(' ');
          values.put(sp < 0 ? rest : rest.substring(0, sp), sp < 0 ? "" : rest.substring(sp + 1));
        }
        case "payload" -> payload = HexFormat.of().parseHex(rest);
        case "frame" -> frame.append(rest.replace(" ", ""));
        default -> throw new IllegalArgumentException(file + ": unknown directive " + key);
      }
    }
    return new Vector(
        file.getFileName().toString(),
        direction,
        type,
        channel,
        expect,
        skipped,
        fields,
        values,
        payload,
        HexFormat.of().parseHex(frame));
  }

  private static VectorField field(String rest) {
    String[] parts = rest.split(" ", 3);
    FieldTag tag = FieldTag.valueOf(parts[0]);
    String kind = parts[1];
    String value = parts.length > 2 ? parts[2] : "";
    int width =
        switch (kind) {
          case "u8" -> 1;
          case "u16" -> 2;
          case "u32" -> 4;
          case "u64" -> 8;
          default -> 0;
        };
    if (width > 0) {
      long n = Long.parseUnsignedLong(value.replace("0x", ""), value.startsWith("0x") ? 16 : 10);
      byte[] raw = new byte[width];
      for (int i = 0; i < width; i++) {
        raw[i] = (byte) (n >>> (8 * (width - 1 - i)));
      }
      return new VectorField(tag, kind, raw, n, null);
    }
    if (kind.equals("str")) {
      return new VectorField(tag, kind, value.getBytes(StandardCharsets.UTF_8), 0, value);
    }
    return new VectorField(tag, kind, HexFormat.of().parseHex(value), 0, null);
  }

  long number(String key) {
    return Long.parseLong(values.get(key));
  }

  byte[] bytes(String key) {
    return HexFormat.of().parseHex(values.getOrDefault(key, ""));
  }

  List<VectorField> fields(FieldTag tag) {
    return fields.stream().filter(f -> f.tag() == tag).toList();
  }

  VectorField field(FieldTag tag) {
    return fields.stream()
        .filter(f -> f.tag() == tag)
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException(name + " has no field " + tag));
  }

  /** The payload the field, value or payload lines describe, built independently of the code. */
  byte[] expectedPayload() {
    if (!fields.isEmpty()) {
      Fields.Writer w = new Fields.Writer();
      fields.forEach(f -> w.bytes(f.tag(), f.raw()));
      return w.toBytes();
    }
    if (payload != null) {
      return payload;
    }
    return switch (type) {
      case DATA -> concat(new byte[] {(byte) number("stream")}, bytes("bytes"));
      case EOF -> new byte[] {(byte) number("stream")};
      case WINDOW -> HostMessages.window((int) number("stream"), (int) number("increment"));
      case RESIZE -> HostMessages.resize((int) number("rows"), (int) number("cols"));
      case SIGNAL -> new byte[] {(byte) number("signal")};
      case POWER -> new byte[] {(byte) number("action")};
      case EXIT ->
          java.nio.ByteBuffer.allocate(5)
              .put((byte) number("how"))
              .putInt((int) number("value"))
              .array();
      case CLOSE -> HostMessages.close((int) number("code"), values.get("message"));
      default -> bytes("bytes");
    };
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Override
  public String toString() {
    return name;
  }
}
