// Random-access bytes: a local file in Node, a Blob/File in the browser, an
// HTTP resource read with range requests. Lets the WAV reader and the
// safetensors reader fetch only the bytes they need.
export interface ByteSource {
  /** A name for error messages: a path, file name or URL. */
  readonly name: string;
  /** Total size in bytes. */
  size(): Promise<number>;
  /** Reads `length` bytes from `offset` (fewer only at the end of the source). */
  read(offset: number, length: number): Promise<Uint8Array>;
}

/** A ByteSource over bytes already in memory. */
export function bytesSource(bytes: Uint8Array, name: string): ByteSource {
  return {
    name,
    size: async () => bytes.byteLength,
    read: async (offset, length) => bytes.subarray(offset, Math.min(bytes.byteLength, offset + length)),
  };
}

/** A ByteSource over a Blob or File (browser and Node 20). */
export function blobSource(blob: Blob, name = (blob as File).name ?? 'blob'): ByteSource {
  return {
    name,
    size: async () => blob.size,
    read: async (offset, length) => new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer()),
  };
}
