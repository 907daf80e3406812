package io.github.pager.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * This process's memory mappings of one file, as the kernel accounts them in {@code
 * /proc/self/smaps}: where each maps the file, and how many of its pages are dirty (stored into
 * and not yet written back).
 *
 * <p>A sync of a mapping ({@code msync}, {@code MemorySegment.force}) or of the file ({@code
 * fdatasync}) writes the dirty pages back and brings the count to zero; a mapping that a sync
 * missed keeps its count. So after a commit that promises durability, every mapping of the file
 * must show zero dirty kB.
 */
final class FileMappings {
  /** The procfs file; absent on systems without procfs (then {@link #available()} is false). */
  static final Path SMAPS = Path.of("/proc/self/smaps");

  /** {@code start-end perms offset dev inode path}, the header of each mapping. */
  private static final Pattern HEADER =
      Pattern.compile("^([0-9a-f]+)-([0-9a-f]+) \\S+ ([0-9a-f]+) \\S+ \\d+\\s*(.*)$");

  /** {@code Shared_Dirty:  12 kB} and {@code Private_Dirty: 0 kB}. */
  private static final Pattern DIRTY = Pattern.compile("^(?:Shared|Private)_Dirty:\\s+(\\d+) kB$");

  /**
   * One mapping of the file.
   *
   * @param fileOffset where in the file it starts, in bytes
   * @param length how many bytes it maps
   * @param dirtyKib shared plus private dirty kB
   */
  record Mapping(long fileOffset, long length, long dirtyKib) {
    boolean covers(long offset) {
      return offset >= fileOffset && offset < fileOffset + length;
    }

    @Override
    public String toString() {
      return "[" + fileOffset + ", " + (fileOffset + length) + ") " + dirtyKib + " kB dirty";
    }
  }

  private FileMappings() {}

  static boolean available() {
    return Files.isReadable(SMAPS);
  }

  /**
   * Returns every mapping of {@code file} in this process, in address order.
   *
   * @param file the file; compared by its real path, as the kernel shows it
   * @return the mappings, possibly none
   * @throws IOException when smaps cannot be read
   */
  static List<Mapping> of(Path file) throws IOException {
    String path = file.toRealPath().toString();
    List<Mapping> mappings = new ArrayList<>();
    long start = 0;
    long end = 0;
    long offset = 0;
    long dirty = 0;
    boolean ours = false;
    for (String line : Files.readAllLines(SMAPS)) {
      Matcher header = HEADER.matcher(line);
      if (header.matches()) {
        if (ours) {
          mappings.add(new Mapping(offset, end - start, dirty));
        }
        start = Long.parseUnsignedLong(header.group(1), 16);
        end = Long.parseUnsignedLong(header.group(2), 16);
        offset = Long.parseUnsignedLong(header.group(3), 16);
        dirty = 0;
        ours = header.group(4).equals(path);
        continue;
      }
      Matcher count = DIRTY.matcher(line);
      if (ours && count.matches()) {
        dirty += Long.parseLong(count.group(1));
      }
    }
    if (ours) {
      mappings.add(new Mapping(offset, end - start, dirty));
    }
    return mappings;
  }
}
