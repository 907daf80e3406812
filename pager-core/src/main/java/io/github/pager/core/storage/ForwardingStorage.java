package io.github.pager.core.storage;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Storage} that passes every call to another one: the base for wrappers that watch or
 * change a few calls (count syncs, drop one, fail one) and leave the rest alone.
 *
 * <pre>{@code
 * final class SyncCounter extends ForwardingStorage {
 *   int syncs;
 *
 *   SyncCounter(Storage delegate) {
 *     super(delegate);
 *   }
 *
 *   @Override
 *   public void syncAll() throws IOException {
 *     syncs++;
 *     super.syncAll();
 *   }
 * }
 * }</pre>
 */
public abstract class ForwardingStorage implements Storage {
  private final Storage delegate;

  /**
   * Wraps a storage; closing the wrapper closes it.
   *
   * @param delegate the storage every call goes to
   */
  protected ForwardingStorage(Storage delegate) {
    this.delegate = delegate;
  }

  /**
   * Returns the storage every call goes to.
   *
   * @return the wrapped storage
   */
  protected final Storage delegate() {
    return delegate;
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
  public @Nullable ReaderTable readerTable() throws IOException {
    return delegate.readerTable();
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
  public void truncate(long newSize) throws IOException {
    delegate.truncate(newSize);
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
  public void write(long offset, MemorySegment source) throws IOException {
    delegate.write(offset, source);
  }

  @Override
  public void sync(long offset, long length) throws IOException {
    delegate.sync(offset, length);
  }

  @Override
  public void syncAll() throws IOException {
    delegate.syncAll();
  }

  @Override
  public void close() throws IOException {
    delegate.close();
  }
}
