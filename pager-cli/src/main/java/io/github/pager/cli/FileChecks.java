package io.github.pager.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/** Facts about a file the pager API does not give: the disk blocks it occupies. */
final class FileChecks {
  private FileChecks() {}

  /**
   * Returns the bytes the file occupies on disk, from {@code stat(1)}: the JDK exposes no block
   * count. Empty when stat is unavailable.
   */
  static OptionalLong bytesOnDisk(Path file) {
    try {
      Process stat = new ProcessBuilder("stat", "-c", "%b %B", file.toString()).redirectErrorStream(true).start();
      String out = new String(stat.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!stat.waitFor(5, TimeUnit.SECONDS) || stat.exitValue() != 0) {
        return OptionalLong.empty();
      }
      String[] parts = out.split(" ", -1);
      return OptionalLong.of(Long.parseLong(parts[0]) * Long.parseLong(parts[1]));
    } catch (IOException | NumberFormatException | ArrayIndexOutOfBoundsException e) {
      return OptionalLong.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return OptionalLong.empty();
    }
  }
}
