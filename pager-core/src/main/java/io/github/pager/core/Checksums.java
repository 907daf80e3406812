package io.github.pager.core;

import java.lang.foreign.MemorySegment;
import java.util.zip.CRC32C;

/** CRC32C over ranges of memory segments, the one checksum the format uses. */
final class Checksums {
  private Checksums() {}

  /**
   * Returns the CRC32C of {@code length} bytes of {@code segment} from {@code offset}.
   *
   * <p>The range is handed over as a direct buffer, so the JDK's hardware-accelerated
   * implementation runs over the mapping itself without copying it to the heap.
   */
  static int crc32c(MemorySegment segment, long offset, long length) {
    CRC32C crc = new CRC32C();
    crc.update(segment.asSlice(offset, length).asByteBuffer());
    return (int) crc.getValue();
  }
}
