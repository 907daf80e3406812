package io.github.pager.bench;

import io.github.pager.core.storage.FileStorage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where benchmark files live: the directory named by the system property {@code pager.bench.dir},
 * or {@code java.io.tmpdir} when it is unset.
 *
 * <p>The directory decides which file system (and which disk cache) a commit is measured on, so
 * it is a property rather than a constant. Names are unique per process, so two benchmarks never
 * share a file and a crashed run never blocks the next one.
 */
final class ScratchFiles {
  private static final AtomicLong SEQUENCE = new AtomicLong();

  private ScratchFiles() {}

  /** Returns a fresh path that does not exist yet, in the benchmark directory. */
  static Path newPath(String prefix) throws IOException {
    Path path = benchDir().resolve(uniqueName(prefix) + ".pages");
    Files.deleteIfExists(path);
    return path;
  }

  /**
   * Creates and returns a fresh, empty directory in the benchmark directory: an LMDB environment
   * is a directory of two files ({@code data.mdb}, {@code lock.mdb}).
   */
  static Path newDirectory(String prefix) throws IOException {
    return Files.createDirectory(benchDir().resolve(uniqueName(prefix)));
  }

  private static Path benchDir() throws IOException {
    Path dir = Path.of(System.getProperty("pager.bench.dir", System.getProperty("java.io.tmpdir")));
    Files.createDirectories(dir);
    return dir;
  }

  private static String uniqueName(String prefix) {
    return prefix + "-" + ProcessHandle.current().pid() + "-" + SEQUENCE.incrementAndGet();
  }

  /** Closes what uses a benchmark file, then deletes the file, even when closing fails. */
  static void closeAndDelete(AutoCloseable user, Path path) throws Exception {
    try {
      user.close();
    } finally {
      delete(path);
    }
  }

  /** Deletes a benchmark file if it exists, and the lock file a writer left beside it. */
  static void delete(Path path) throws IOException {
    if (!Files.exists(path)) {
      return;
    }
    Path lockFile = FileStorage.lockFileOf(path);
    Files.deleteIfExists(path);
    Files.deleteIfExists(lockFile);
  }
}
