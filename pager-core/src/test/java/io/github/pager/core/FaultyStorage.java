package io.github.pager.core;

import io.github.pager.core.storage.ForwardingStorage;
import io.github.pager.core.storage.Storage;
import java.io.IOException;
import java.lang.foreign.MemorySegment;

/** A real storage with switches that make its next calls fail, for failure-path tests. */
final class FaultyStorage extends ForwardingStorage {
  volatile boolean failExtend;
  volatile boolean failReserve;
  volatile boolean failMap;
  volatile boolean failSync;

  FaultyStorage(Storage inner) {
    super(inner);
  }

  @Override
  public void extend(long newSize) throws IOException {
    if (failExtend) {
      throw new IOException("injected: No space left on device");
    }
    super.extend(newSize);
  }

  @Override
  public void reserve(long offset, long length) throws IOException {
    if (failReserve) {
      throw new IOException("injected: No space left on device");
    }
    super.reserve(offset, length);
  }

  @Override
  public MemorySegment map(long offset, long length) throws IOException {
    if (failMap) {
      throw new IOException("injected: cannot map");
    }
    return super.map(offset, length);
  }

  @Override
  public void sync(long offset, long length) throws IOException {
    if (failSync) {
      throw new IOException("injected: Input/output error");
    }
    super.sync(offset, length);
  }

  @Override
  public void syncAll() throws IOException {
    if (failSync) {
      throw new IOException("injected: Input/output error");
    }
    super.syncAll();
  }
}
