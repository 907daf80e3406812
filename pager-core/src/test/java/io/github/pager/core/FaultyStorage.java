package io.github.pager.core;

import io.github.pager.core.storage.Storage;
import java.io.IOException;
import java.lang.foreign.MemorySegment;

/** A real storage with switches that make its next calls fail, for failure-path tests. */
final class FaultyStorage implements Storage {
  private final Storage inner;
  volatile boolean failExtend;
  volatile boolean failReserve;
  volatile boolean failMap;
  volatile boolean failSync;

  FaultyStorage(Storage inner) {
    this.inner = inner;
  }

  @Override
  public String describe() {
    return inner.describe();
  }

  @Override
  public boolean isReadOnly() {
    return inner.isReadOnly();
  }

  @Override
  public boolean tryLockForWriting() throws IOException {
    return inner.tryLockForWriting();
  }

  @Override
  public long size() throws IOException {
    return inner.size();
  }

  @Override
  public void extend(long newSize) throws IOException {
    if (failExtend) {
      throw new IOException("injected: No space left on device");
    }
    inner.extend(newSize);
  }

  @Override
  public void reserve(long offset, long length) throws IOException {
    if (failReserve) {
      throw new IOException("injected: No space left on device");
    }
    inner.reserve(offset, length);
  }

  @Override
  public MemorySegment map(long offset, long length) throws IOException {
    if (failMap) {
      throw new IOException("injected: cannot map");
    }
    return inner.map(offset, length);
  }

  @Override
  public void sync(long offset, long length) throws IOException {
    if (failSync) {
      throw new IOException("injected: Input/output error");
    }
    inner.sync(offset, length);
  }

  @Override
  public void syncAll() throws IOException {
    if (failSync) {
      throw new IOException("injected: Input/output error");
    }
    inner.syncAll();
  }

  @Override
  public void close() throws IOException {
    inner.close();
  }
}
