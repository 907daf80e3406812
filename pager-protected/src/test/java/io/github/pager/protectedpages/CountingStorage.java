package io.github.pager.protectedpages;

import io.github.pager.core.storage.ForwardingStorage;
import io.github.pager.core.storage.Storage;
import java.io.IOException;

/** A storage that counts the syncs a pager asks for, and otherwise passes everything through. */
final class CountingStorage extends ForwardingStorage {
  private int syncs;

  CountingStorage(Storage delegate) {
    super(delegate);
  }

  int syncs() {
    return syncs;
  }

  @Override
  public void sync(long offset, long length) throws IOException {
    syncs++;
    super.sync(offset, length);
  }

  @Override
  public void syncAll() throws IOException {
    syncs++;
    super.syncAll();
  }
}
