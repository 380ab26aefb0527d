// The archive changed while it was being read: not damage, it is checked again once it settles.
// In a module of its own so the agent can recognise it without loading the verifiers (tar, yauzl,
// zlib), which only the verification child process needs.
export class FileChangedError extends Error {
  override readonly name = 'FileChangedError';
}
