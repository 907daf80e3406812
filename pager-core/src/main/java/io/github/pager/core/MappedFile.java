package io.github.pager.core;

import io.github.pager.core.storage.Storage;
import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * A storage seen as an array of pages: maps the file region by region as it grows, and hands out
 * page-sized segments.
 *
 * <p>Growth extends the file and maps only the new part, so pages handed out earlier stay valid.
 * A new region is at least as large as everything mapped before it (up to {@link
 * #MAX_REGION_BYTES}), so the number of mappings grows with the logarithm of the file size. The
 * file may therefore be longer than the pages the metadata counts; the tail reads as zero and is
 * not part of the format.
 */
final class MappedFile {
  /** The largest region mapped at once: a 16 TiB file needs a few hundred mappings at most. */
  static final long MAX_REGION_BYTES = 64L << 30;

  private final Storage storage;
  private final int pageSize;
  private volatile RegionTable regions = RegionTable.EMPTY;

  MappedFile(Storage storage, int pageSize) {
    this.storage = storage;
    this.pageSize = pageSize;
  }

  String describe() {
    return storage.describe();
  }

  int pageSize() {
    return pageSize;
  }

  /** Maps whatever part of the file's first {@code bytes} bytes is not mapped yet. */
  void mapExisting(long bytes) throws IOException {
    long end = regions.end();
    while (end < bytes) {
      long length = Math.min(bytes - end, MAX_REGION_BYTES);
      regions = regions.with(storage.map(end, length));
      end += length;
    }
  }

  /**
   * Makes pages {@code [0, pageCount)} exist and be mapped; when {@code reserve}, backs pages
   * {@code [oldPageCount, pageCount)} with disk blocks so that later stores cannot fail.
   */
  void grow(long oldPageCount, long pageCount, boolean reserve) throws IOException {
    long needed = pageCount * pageSize;
    long end = regions.end();
    if (needed > end) {
      long length = Math.max(needed - end, Math.min(end, MAX_REGION_BYTES));
      length = (length + pageSize - 1) / pageSize * pageSize;
      storage.extend(end + length);
      mapExisting(end + length);
    }
    if (reserve && pageCount > oldPageCount) {
      storage.reserve(oldPageCount * pageSize, (pageCount - oldPageCount) * pageSize);
    }
  }

  /** Returns the segment of page {@code index}; the page must be mapped. */
  MemorySegment page(long index) {
    return regions.slice(index * pageSize, pageSize);
  }

  void syncAll() throws IOException {
    storage.syncAll();
  }

  void syncPage(long index) throws IOException {
    storage.sync(index * pageSize, pageSize);
  }

  void close() throws IOException {
    storage.close();
  }
}
