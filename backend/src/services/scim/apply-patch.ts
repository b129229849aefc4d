import { InvalidScimPatchOp, NoPathInScimPatchOp, NoTarget, ScimError as PatchError, scimPatch, type ScimPatchOperation, type ScimResource } from 'scim-patch';
import type { z } from 'zod';
import { ScimError } from './errors.js';
import type { PatchInput } from './resources.js';

const ops = new Set(['add', 'remove', 'replace']);

/**
 * Applies PatchOp operations (RFC 7644 §3.5.2) to a resource with `scim-patch`, then parses the
 * result with `schema`, so a patch can only produce what a POST could. Entra ID's spellings are
 * accepted: capitalised ops ("Replace"), value objects without a path, "True"/"False" strings.
 */
export function applyPatch<S extends z.ZodType>(resource: Record<string, unknown>, patch: PatchInput, schema: S): z.output<S> {
  const operations = patch.Operations.map((operation, index) => {
    const op = operation.op.toLowerCase();
    if (!ops.has(op)) throw new ScimError(400, 'invalidSyntax', `Operations[${index}].op must be add, remove or replace.`);
    if (op === 'remove' && !operation.path) throw new ScimError(400, 'noTarget', `Operations[${index}]: remove needs a path.`);
    if (op !== 'remove' && operation.value === undefined) throw new ScimError(400, 'invalidSyntax', `Operations[${index}]: ${op} needs a value.`);
    if (op !== 'remove' && !operation.path && (typeof operation.value !== 'object' || operation.value === null || Array.isArray(operation.value))) {
      throw new ScimError(400, 'invalidSyntax', `Operations[${index}]: without a path, the value must be an object of attributes.`);
    }
    return { ...operation, op } as ScimPatchOperation;
  });
  let patched: Record<string, unknown>;
  try {
    const base = { ...structuredClone(resource), meta: { created: new Date(0), lastModified: new Date(0) } } as ScimResource;
    patched = scimPatch(base, operations, { mutateDocument: false, treatMissingAsAdd: true }) as unknown as Record<string, unknown>;
  } catch (error) {
    if (error instanceof NoTarget || error instanceof NoPathInScimPatchOp) throw new ScimError(400, 'noTarget', 'A patch operation targets nothing.');
    if (error instanceof InvalidScimPatchOp) throw new ScimError(400, 'invalidPath', 'A patch operation has a path Parley cannot follow.');
    if (error instanceof PatchError) throw new ScimError(400, 'invalidSyntax', 'The patch operations are not valid.');
    // scim-patch reports filter syntax inside a path with the parser's own errors.
    throw new ScimError(400, 'invalidPath', 'A patch operation has an invalid path.');
  }
  const parsed = schema.safeParse(patched);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.map(String).join('.') || 'value'}: ${i.message}`).join('; ');
    throw new ScimError(400, 'invalidValue', `The patched resource is not valid: ${detail}`);
  }
  return parsed.data;
}
