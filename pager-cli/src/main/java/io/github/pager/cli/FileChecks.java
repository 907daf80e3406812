package io.github.pager.cli;

import io.github.pager.core.PageFileLockedException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/** Facts about a file the pager API does not give: whether a writer holds it, and its blocks. */
final class FileChecks {
  private FileChecks() {}

  /**
   * Refuses a file that another process has open for writing: what a reader sees of it may be
   * changing under it. A shared lock conflicts only with a writer's exclusive lock; it is released
   * at once and the file is not written.
   */
  static void requireNoWriter(Path file) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        FileLock lock = channel.tryLock(0, Long.MAX_VALUE, true)) {
      if (lock == null) {
        throw locked(file);
      }
    } catch (OverlappingFileLockException heldInThisJvm) {
      throw locked(file);
    }
  }

  private static PageFileLockedException locked(Path file) {
    return new PageFileLockedException(
        file + " is open for writing by another process; stop it first (its view may be changing)");
  }

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
