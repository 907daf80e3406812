package io.github.pager.cli;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/**
 * The copy a repair makes of a page file before it writes to it: byte for byte, synced, and never
 * over an existing file.
 */
final class Backup {
  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

  private Backup() {}

  /** {@code FILE.bak-<timestamp>} beside the file. */
  static Path defaultTarget(Path file, LocalDateTime now) {
    Path name = file.getFileName();
    return file.resolveSibling((name == null ? "pages" : name.toString()) + ".bak-" + STAMP.format(now));
  }

  /**
   * Copies {@code file} to {@code target}, then syncs the copy and its directory, so the backup is
   * durable before the repair writes anything.
   *
   * @throws java.nio.file.FileAlreadyExistsException when {@code target} exists
   */
  static void copy(Path file, Path target) throws IOException {
    Files.copy(file, target);
    try (FileChannel copy = FileChannel.open(target, StandardOpenOption.WRITE)) {
      copy.force(true);
    }
    Path directory = target.toAbsolutePath().getParent();
    if (directory != null) {
      try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
        dir.force(true);
      } catch (IOException e) {
        // Some file systems refuse to sync a directory; the copy itself is synced.
      }
    }
  }
}
