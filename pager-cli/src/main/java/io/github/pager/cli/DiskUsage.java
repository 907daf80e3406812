package io.github.pager.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;

/**
 * A file's bytes on disk against its apparent size (its length), and a sentence saying why they
 * differ: holes never written (a sparse file) occupy no block, and a file system may keep blocks
 * past the end or for its own bookkeeping. Also how much of the length lies past the commit's
 * page count, which the format does not use (growth maps and extends the file ahead, in regions).
 *
 * @param apparentBytes the file's length
 * @param onDisk the bytes its blocks occupy ({@code st_blocks}), when known
 * @param formatBytes page count times page size: the bytes the commit uses
 */
record DiskUsage(long apparentBytes, OptionalLong onDisk, long formatBytes) {

  /** Measures {@code file}; the JDK exposes no block count, so {@link FileChecks} asks stat(1). */
  static DiskUsage of(Path file, long apparentBytes, long pageCount, int pageSize) {
    return new DiskUsage(apparentBytes, FileChecks.bytesOnDisk(file), pageCount * pageSize);
  }

  /** Why the two sizes differ, or that they do not, in one sentence. */
  String explanation() {
    if (onDisk.isEmpty()) {
      return "bytes on disk unknown: stat(1), which tells them, is not available here";
    }
    long disk = onDisk.getAsLong();
    if (disk < apparentBytes) {
      return String.format("sparse: %,d bytes are holes, ranges never written (a sparse pager grows without "
          + "reserving blocks; 'pager copy --sparse' leaves free pages out), which read as zeros and occupy no "
          + "block", apparentBytes - disk);
    }
    if (disk > apparentBytes) {
      return String.format("the file system counts %,d bytes more than the length: blocks of its own bookkeeping "
          + "for the file (an extent or indirect block) or blocks reserved past the end", disk - apparentBytes);
    }
    return "every byte of the file has its block: the pager reserved them as it grew the file";
  }

  /** Whether the length goes past the bytes of the page count, in one sentence. */
  String tail() {
    long past = apparentBytes - formatBytes;
    return past <= 0
        ? "the file ends at the last page"
        : String.format("%,d bytes lie past the last page: growth extends the file ahead of the page count, "
            + "and those bytes are not part of the format", past);
  }

  /** The figures and sentences, in a fixed key order. */
  Map<String, Object> toJson() {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("apparentBytes", apparentBytes);
    json.put("bytesOnDisk", onDisk); // null when unknown
    json.put("pageBytes", formatBytes);
    json.put("why", explanation());
    json.put("tail", tail());
    return json;
  }
}
