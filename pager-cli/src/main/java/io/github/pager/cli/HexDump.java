package io.github.pager.cli;

import java.io.PrintWriter;
import java.util.Arrays;

/** Prints bytes as hex, sixteen to a line with their ASCII, folding runs of identical lines. */
final class HexDump {
  private HexDump() {}

  static void print(PrintWriter out, byte[] bytes) {
    byte[] previous = null;
    boolean folded = false;
    for (int offset = 0; offset < bytes.length; offset += 16) {
      byte[] line = Arrays.copyOfRange(bytes, offset, Math.min(bytes.length, offset + 16));
      if (previous != null && Arrays.equals(line, previous) && offset + 16 < bytes.length) {
        if (!folded) {
          out.println("*");
          folded = true;
        }
        continue;
      }
      folded = false;
      previous = line;
      StringBuilder hex = new StringBuilder();
      StringBuilder text = new StringBuilder();
      for (int i = 0; i < 16; i++) {
        if (i == 8) {
          hex.append(' ');
        }
        if (i < line.length) {
          hex.append(String.format("%02x ", line[i] & 0xFF));
          char c = (char) (line[i] & 0xFF);
          text.append(c >= 0x20 && c < 0x7F ? c : '.');
        } else {
          hex.append("   ");
        }
      }
      out.printf("%08x  %s |%s|%n", offset, hex, text);
    }
    out.printf("%08x%n", bytes.length);
  }
}
