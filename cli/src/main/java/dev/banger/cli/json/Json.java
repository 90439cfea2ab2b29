package dev.banger.cli.json;

import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A JSON value as the CLI reads it from the daemon, with a reader and a writer small enough to
 * start in a few milliseconds. A general JSON library costs the CLI about 20 ms of every call just
 * to build its mapper, for documents of a few hundred bytes. Reading a missing member gives {@link
 * #MISSING}, so chains like {@code vm.path("facts").path("pvh")} never fail. Immutable and
 * thread-safe.
 */
public final class Json implements Iterable<Json> {
  /** What {@link #path} returns for an absent member or element. */
  public static final Json MISSING = new Json(Kind.MISSING, null);

  private static final Json NULL = new Json(Kind.NULL, null);

  private enum Kind {
    MISSING,
    NULL,
    STRING,
    NUMBER,
    BOOLEAN,
    ARRAY,
    OBJECT
  }

  private final Kind kind;
  private final Object value;

  private Json(Kind kind, Object value) {
    this.kind = kind;
    this.value = value;
  }

  /** Parses a JSON document. */
  public static Json parse(String text) {
    return new Reader(text).document();
  }

  /** Parses a UTF-8 JSON document. */
  public static Json parse(byte[] utf8) {
    return parse(new String(utf8, StandardCharsets.UTF_8));
  }

  /** An object of the given members, in order. */
  public static Json object(Map<String, Json> members) {
    return new Json(Kind.OBJECT, Collections.unmodifiableMap(new LinkedHashMap<>(members)));
  }

  /** A string value. */
  public static Json string(String s) {
    return new Json(Kind.STRING, s);
  }

  /** The member {@code name} of an object, or {@link #MISSING}. */
  public Json path(String name) {
    if (kind == Kind.OBJECT) {
      Json v = members().get(name);
      return v == null ? MISSING : v;
    }
    return MISSING;
  }

  /** Whether this object has member {@code name}. */
  public boolean has(String name) {
    return kind == Kind.OBJECT && members().containsKey(name);
  }

  /** Whether this object has member {@code name} with a value other than null. */
  public boolean hasNonNull(String name) {
    Json v = path(name);
    return v.kind != Kind.MISSING && v.kind != Kind.NULL;
  }

  /** The text of a value: strings as they are, numbers and booleans as written; else "". */
  public String asString() {
    return asString("");
  }

  /** The text of a value, or {@code fallback} for null, missing, arrays and objects. */
  public String asString(String fallback) {
    return switch (kind) {
      case STRING, NUMBER -> (String) value;
      case BOOLEAN -> value.toString();
      default -> fallback;
    };
  }

  /** A number as a long (0 when not a number; a numeric string is read as a number). */
  public long asLong() {
    try {
      String s = asString("0");
      return s.contains(".") || s.contains("e") || s.contains("E")
          ? (long) Double.parseDouble(s)
          : Long.parseLong(s);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** A number as an int. */
  public int asInt() {
    return (int) asLong();
  }

  /** A boolean (false unless {@code true} or the string "true"). */
  public boolean asBoolean() {
    return kind == Kind.BOOLEAN ? (Boolean) value : "true".equals(asString());
  }

  /** Elements of an array or members of an object; 0 otherwise. */
  public int size() {
    return switch (kind) {
      case ARRAY -> elements().size();
      case OBJECT -> members().size();
      default -> 0;
    };
  }

  /** Whether an array or object has no elements (or this is not a container). */
  public boolean isEmpty() {
    return size() == 0;
  }

  /** Whether this is an array. */
  public boolean isArray() {
    return kind == Kind.ARRAY;
  }

  /** Whether this is an object. */
  public boolean isObject() {
    return kind == Kind.OBJECT;
  }

  /** Whether this is a string, number, boolean or null. */
  public boolean isValue() {
    return kind != Kind.ARRAY && kind != Kind.OBJECT && kind != Kind.MISSING;
  }

  /** The members of an object in document order; empty otherwise. */
  public Iterable<Map.Entry<String, Json>> properties() {
    return kind == Kind.OBJECT ? members().entrySet() : List.of();
  }

  /** The elements of an array (or the values of an object). */
  @Override
  public Iterator<Json> iterator() {
    return switch (kind) {
      case ARRAY -> elements().iterator();
      case OBJECT -> members().values().iterator();
      default -> Collections.emptyIterator();
    };
  }

  /** Compact JSON text. */
  @Override
  public String toString() {
    StringBuilder out = new StringBuilder();
    Writer.value(this, out);
    return out.toString();
  }

  /** Writes records, maps, lists, strings, numbers, booleans and null as compact JSON. */
  public static String write(Object value) {
    StringBuilder out = new StringBuilder();
    Writer.any(value, out);
    return out.toString();
  }

  /** {@link #write} as UTF-8 bytes. */
  public static byte[] bytes(Object value) {
    return write(value).getBytes(StandardCharsets.UTF_8);
  }

  /** A JSON string literal of {@code s}. */
  public static String quote(String s) {
    StringBuilder out = new StringBuilder();
    Writer.string(s, out);
    return out.toString();
  }

  @SuppressWarnings("unchecked")
  private Map<String, Json> members() {
    return (Map<String, Json>) value;
  }

  @SuppressWarnings("unchecked")
  private List<Json> elements() {
    return (List<Json>) value;
  }

  /** JSON text out. */
  private static final class Writer {
    static void value(Json v, StringBuilder out) {
      switch (v.kind) {
        case MISSING, NULL -> out.append("null");
        case STRING -> string((String) v.value, out);
        case NUMBER, BOOLEAN -> out.append(v.value);
        case ARRAY -> {
          out.append('[');
          String sep = "";
          for (Json e : v.elements()) {
            out.append(sep);
            value(e, out);
            sep = ",";
          }
          out.append(']');
        }
        case OBJECT -> {
          out.append('{');
          String sep = "";
          for (Map.Entry<String, Json> e : v.members().entrySet()) {
            out.append(sep);
            string(e.getKey(), out);
            out.append(':');
            value(e.getValue(), out);
            sep = ",";
          }
          out.append('}');
        }
      }
    }

    static void any(Object o, StringBuilder out) {
      switch (o) {
        case null -> out.append("null");
        case Json j -> value(j, out);
        case String s -> string(s, out);
        case Number n -> out.append(n);
        case Boolean b -> out.append(b);
        case Map<?, ?> m -> {
          out.append('{');
          String sep = "";
          for (Map.Entry<?, ?> e : m.entrySet()) {
            out.append(sep);
            string(String.valueOf(e.getKey()), out);
            out.append(':');
            any(e.getValue(), out);
            sep = ",";
          }
          out.append('}');
        }
        case Iterable<?> list -> {
          out.append('[');
          String sep = "";
          for (Object e : list) {
            out.append(sep);
            any(e, out);
            sep = ",";
          }
          out.append(']');
        }
        case Record r -> record(r, out);
        default -> throw new IllegalArgumentException("cannot write " + o.getClass() + " as JSON");
      }
    }

    /** Record components in declaration order; null components are left out. */
    static void record(Record r, StringBuilder out) {
      out.append('{');
      String sep = "";
      for (RecordComponent c : r.getClass().getRecordComponents()) {
        Object v;
        try {
          v = c.getAccessor().invoke(r);
        } catch (ReflectiveOperationException e) {
          throw new IllegalStateException("cannot read " + c.getName() + " of " + r, e);
        }
        if (v != null) {
          out.append(sep);
          string(c.getName(), out);
          out.append(':');
          any(v, out);
          sep = ",";
        }
      }
      out.append('}');
    }

    static void string(String s, StringBuilder out) {
      out.append('"');
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        switch (c) {
          case '"' -> out.append("\\\"");
          case '\\' -> out.append("\\\\");
          case '\n' -> out.append("\\n");
          case '\r' -> out.append("\\r");
          case '\t' -> out.append("\\t");
          case '\b' -> out.append("\\b");
          case '\f' -> out.append("\\f");
          default -> {
            if (c < 0x20) {
              out.append(String.format("\\u%04x", (int) c));
            } else {
              out.append(c);
            }
          }
        }
      }
      out.append('"');
    }
  }

  /** A recursive-descent reader of RFC 8259 JSON. */
  private static final class Reader {
    private final String s;
    private int i;

    Reader(String s) {
      this.s = s;
    }

    Json document() {
      Json v = value();
      space();
      if (i != s.length()) {
        throw error("unexpected text after the JSON value");
      }
      return v;
    }

    private Json value() {
      space();
      if (i >= s.length()) {
        throw error("the JSON text ended early");
      }
      char c = s.charAt(i);
      return switch (c) {
        case '{' -> object();
        case '[' -> array();
        case '"' -> new Json(Kind.STRING, string());
        case 't' -> literal("true", new Json(Kind.BOOLEAN, Boolean.TRUE));
        case 'f' -> literal("false", new Json(Kind.BOOLEAN, Boolean.FALSE));
        case 'n' -> literal("null", NULL);
        default -> number();
      };
    }

    private Json object() {
      Map<String, Json> members = new LinkedHashMap<>();
      i++;
      space();
      if (peek() == '}') {
        i++;
        return Json.object(members);
      }
      while (true) {
        space();
        if (peek() != '"') {
          throw error("expected a member name");
        }
        String name = string();
        space();
        expect(':');
        members.put(name, value());
        space();
        if (peek() == ',') {
          i++;
        } else {
          expect('}');
          return Json.object(members);
        }
      }
    }

    private Json array() {
      List<Json> elements = new ArrayList<>();
      i++;
      space();
      if (peek() == ']') {
        i++;
        return new Json(Kind.ARRAY, List.of());
      }
      while (true) {
        elements.add(value());
        space();
        if (peek() == ',') {
          i++;
        } else {
          expect(']');
          return new Json(Kind.ARRAY, Collections.unmodifiableList(elements));
        }
      }
    }

    private String string() {
      StringBuilder out = new StringBuilder();
      i++;
      while (true) {
        if (i >= s.length()) {
          throw error("unterminated string");
        }
        char c = s.charAt(i++);
        if (c == '"') {
          return out.toString();
        }
        if (c != '\\') {
          out.append(c);
          continue;
        }
        char e = i < s.length() ? s.charAt(i++) : '?';
        switch (e) {
          case '"', '\\', '/' -> out.append(e);
          case 'n' -> out.append('\n');
          case 'r' -> out.append('\r');
          case 't' -> out.append('\t');
          case 'b' -> out.append('\b');
          case 'f' -> out.append('\f');
          case 'u' -> {
            if (i + 4 > s.length()) {
              throw error("short \\u escape");
            }
            out.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
            i += 4;
          }
          default -> throw error("bad escape \\" + e);
        }
      }
    }

    private Json number() {
      int start = i;
      while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) {
        i++;
      }
      if (start == i) {
        throw error("unexpected character '" + s.charAt(i) + "'");
      }
      String n = s.substring(start, i);
      try {
        Double.parseDouble(n);
      } catch (NumberFormatException e) {
        throw error("bad number " + n);
      }
      return new Json(Kind.NUMBER, n);
    }

    private Json literal(String word, Json v) {
      if (!s.startsWith(word, i)) {
        throw error("unexpected text");
      }
      i += word.length();
      return v;
    }

    private void expect(char c) {
      if (peek() != c) {
        throw error("expected '" + c + "'");
      }
      i++;
    }

    private char peek() {
      return i < s.length() ? s.charAt(i) : '\0';
    }

    private void space() {
      while (i < s.length() && " \t\r\n".indexOf(s.charAt(i)) >= 0) {
        i++;
      }
    }

    private IllegalArgumentException error(String problem) {
      return new IllegalArgumentException("invalid JSON at character " + i + ": " + problem);
    }
  }
}
