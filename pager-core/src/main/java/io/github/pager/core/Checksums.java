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

  /**
   * Returns the CRC32C of all of {@code bytes} with the four bytes at {@code field} counted as
   * zero: the checksum of a structure that stores its own checksum there.
   */
  static int crc32cSkipping(byte[] bytes, int field) {
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, field);
    crc.update(new byte[4]);
    crc.update(bytes, field + 4, bytes.length - field - 4);
    return (int) crc.getValue();
  }
}
