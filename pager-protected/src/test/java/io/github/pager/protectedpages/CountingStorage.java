package io.github.pager.protectedpages;

import io.github.pager.core.storage.Storage;
import java.io.IOException;
import java.lang.foreign.MemorySegment;

/** A storage that counts the syncs a pager asks for, and otherwise passes everything through. */
final class CountingStorage implements Storage {
  private final Storage delegate;
  private int syncs;

  CountingStorage(Storage delegate) {
    this.delegate = delegate;
  }

  int syncs() {
    return syncs;
  }

  @Override
  public String describe() {
    return delegate.describe();
  }

  @Override
  public boolean isReadOnly() {
    return delegate.isReadOnly();
  }

  @Override
  public boolean tryLockForWriting() throws IOException {
    return delegate.tryLockForWriting();
  }

  @Override
  public long size() throws IOException {
    return delegate.size();
  }

  @Override
  public void extend(long newSize) throws IOException {
    delegate.extend(newSize);
  }

  @Override
  public void reserve(long offset, long length) throws IOException {
    delegate.reserve(offset, length);
  }

  @Override
  public MemorySegment map(long offset, long length) throws IOException {
    return delegate.map(offset, length);
  }

  @Override
  public void sync(long offset, long length) throws IOException {
    syncs++;
    delegate.sync(offset, length);
  }

  @Override
  public void syncAll() throws IOException {
    syncs++;
    delegate.syncAll();
  }

  @Override
  public void close() throws IOException {
    delegate.close();
  }
}
