package io.github.pager.cli;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * Writes the few JSON shapes the commands emit: objects of strings, numbers, booleans and lists,
 * and {@code null} for an empty {@link Optional}, {@link OptionalLong} or {@link OptionalInt} (a
 * value the command could not know, such as the bytes on disk where stat(1) is missing). The
 * envelope every command's output shares is {@link JsonEnvelope}'s.
 *
 * <p>An integer beyond 2^53 in magnitude is written as a string of its decimal digits: JavaScript
 * and many JSON readers hold every number as a double, which rounds such values (a root value that
 * holds a configuration word, a 64-bit checksum) without a word.
 */
final class Json {
  /** The largest integer a double holds exactly, and every integer below it: 2^53. */
  static final long MAX_EXACT = 1L << 53;

  private Json() {}

  /** Renders a map (in its iteration order), list, string, number, boolean or optional as JSON. */
  static String of(Object value) {
    StringBuilder out = new StringBuilder();
    write(out, value);
    return out.toString();
  }

  private static void write(StringBuilder out, Object value) {
    switch (value) {
      case Map<?, ?> map -> {
        out.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> entry : map.entrySet()) {
          if (!first) {
            out.append(',');
          }
          first = false;
          string(out, String.valueOf(entry.getKey()));
          out.append(':');
          write(out, entry.getValue());
        }
        out.append('}');
      }
      case List<?> list -> {
        out.append('[');
        for (int i = 0; i < list.size(); i++) {
          if (i > 0) {
            out.append(',');
          }
          write(out, list.get(i));
        }
        out.append(']');
      }
      case Optional<?> optional -> {
        if (optional.isPresent()) {
          write(out, optional.get());
        } else {
          out.append("null");
        }
      }
      case OptionalLong optional -> {
        if (optional.isPresent()) {
          write(out, optional.getAsLong());
        } else {
          out.append("null");
        }
      }
      case OptionalInt optional -> {
        if (optional.isPresent()) {
          write(out, optional.getAsInt());
        } else {
          out.append("null");
        }
      }
      case Long number when number > MAX_EXACT || number < -MAX_EXACT -> string(out, number.toString());
      case Number number -> out.append(number);
      case Boolean bool -> out.append(bool);
      default -> string(out, value.toString());
    }
  }

  private static void string(StringBuilder out, String text) {
    out.append('"');
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
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
