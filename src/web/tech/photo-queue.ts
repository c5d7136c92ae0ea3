/**
 * Photos picked for a close-out, kept in the phone's IndexedDB until the server has them:
 * a site without network, a browser that drops the tab, a reload — the photos are still
 * there and go with the close-out draft (localStorage) when the network is back.
 * localStorage cannot hold them (strings only, a few MB); IndexedDB keeps Blobs as they are.
 */

const DB_NAME = 'field';
const STORE = 'closeout-photos';

export interface QueuedPhoto {
  key: number;
  ticketId: string;
  name: string;
  blob: Blob;
}

let opened: Promise<IDBDatabase> | undefined;

function db(): Promise<IDBDatabase> {
  opened ??= new Promise<IDBDatabase>((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => {
      const store = req.result.createObjectStore(STORE, { keyPath: 'key', autoIncrement: true });
      store.createIndex('ticketId', 'ticketId');
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB is not available'));
  }).catch((err: unknown) => {
    opened = undefined; // e.g. private mode refused it: tried again next time
    throw err;
  });
  return opened;
}

function done<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

async function tx(mode: IDBTransactionMode): Promise<IDBObjectStore> {
  return (await db()).transaction(STORE, mode).objectStore(STORE);
}

/** Keeps the files for a job's close-out, in the order picked. */
export async function keepPhotos(ticketId: string, files: readonly File[]): Promise<void> {
  const store = await tx('readwrite');
  for (const f of files) await done(store.add({ ticketId, name: f.name || 'photo.jpg', blob: f }));
}

/** The photos kept for a job, oldest first. */
export async function photosFor(ticketId: string): Promise<QueuedPhoto[]> {
  const store = await tx('readonly');
  const all = (await done(store.index('ticketId').getAll(ticketId))) as QueuedPhoto[];
  return all.sort((a, b) => a.key - b.key);
}

/** Forgets one photo (the server has it, or the technician took it back). */
export async function dropPhoto(key: number): Promise<void> {
  await done((await tx('readwrite')).delete(key));
}
