package io.github.pager.bench;

/**
 * The file sizes benchmarks take as {@code @Param} strings ({@code "64MiB"}, {@code "1GiB"},
 * {@code "1TiB"}), turned into bytes and 4 KiB page counts.
 */
final class FileSize {
  /** The page size of every benchmark file: the pager's default, and the OS page size. */
  static final int PAGE_SIZE = 4096;

  private FileSize() {}

  /** Returns the bytes a size such as {@code "64MiB"} names. */
  static long bytes(String size) {
    long unit;
    String digits;
    if (size.endsWith("KiB")) {
      unit = 1L << 10;
    } else if (size.endsWith("MiB")) {
      unit = 1L << 20;
    } else if (size.endsWith("GiB")) {
      unit = 1L << 30;
    } else if (size.endsWith("TiB")) {
      unit = 1L << 40;
    } else {
      throw new IllegalArgumentException("size " + size + " has no KiB, MiB, GiB or TiB unit");
    }
    digits = size.substring(0, size.length() - 3);
    return Math.multiplyExact(Long.parseLong(digits), unit);
  }

  /** Returns how many 4 KiB pages a size such as {@code "1GiB"} holds. */
  static long pages(String size) {
    return bytes(size) / PAGE_SIZE;
  }
}
