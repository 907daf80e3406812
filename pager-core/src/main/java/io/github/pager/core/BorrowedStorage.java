package io.github.pager.core;

import io.github.pager.core.storage.Storage;
import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * A storage read through another that stays open: read-only, and closing it closes nothing.
 *
 * <p>A pager owns its storage and closes it with itself. A repair gives a read-only pager of one
 * commit to a structure check ({@link PageFileRepair.StructureCheck}) while it keeps the file's
 * storage, with its writer lock and its mappings, for the plan it may write afterwards: the pager
 * gets this wrapper instead. Its mappings are read-only views of the lender's, so no check can
 * store into the file; they live as long as the lender's.
 */
final class BorrowedStorage implements Storage {
  private final Storage lender;

  BorrowedStorage(Storage lender) {
    this.lender = lender;
  }

  @Override
  public String describe() {
    return lender.describe();
  }

  @Override
  public boolean isReadOnly() {
    return true;
  }

  @Override
  public boolean tryLockForWriting() {
    throw new IllegalStateException("a borrowed storage takes no writer lock: " + describe());
  }

  @Override
  public long size() throws IOException {
    return lender.size();
  }

  @Override
  public void extend(long newSize) {
    throw readOnly();
  }

  @Override
  public void reserve(long offset, long length) {
    throw readOnly();
  }

  @Override
  public MemorySegment map(long offset, long length) throws IOException {
    return lender.map(offset, length).asReadOnly();
  }

  @Override
  public void write(long offset, MemorySegment source) {
    throw readOnly();
  }

  @Override
  public void sync(long offset, long length) {
    throw readOnly();
  }

  @Override
  public void syncAll() {
    throw readOnly();
  }

  /** Leaves the lender open: it belongs to whoever lent it. */
  @Override
  public void close() {}

  private IllegalStateException readOnly() {
    return new IllegalStateException("a borrowed storage is read-only: " + describe());
  }
}
