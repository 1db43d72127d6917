import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** Building blocks for environment schemas: each parses a string variable and explains what it expected. */

export function integer(defaultValue: number, min: number, max: number) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw.trim() === '') return defaultValue;
      const value = Number(raw);
      if (!Number.isInteger(value) || value < min || value > max) {
        ctx.addIssue({ code: 'custom', message: `expected an integer between ${min} and ${max}` });
        return z.NEVER;
      }
      return value;
    });
}

export function port(defaultValue: number) {
  return integer(defaultValue, 1, 65535);
}

/** A port where 0 turns the listener off. */
export function optionalPort(defaultValue: number) {
  return integer(defaultValue, 0, 65535);
}

export function boolean(defaultValue: boolean) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw.trim() === '') return defaultValue;
      const normalised = raw.trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(normalised)) return true;
      if (['0', 'false', 'no', 'off'].includes(normalised)) return false;
      ctx.addIssue({ code: 'custom', message: 'expected true or false' });
      return z.NEVER;
    });
}

export function oneOf<const T extends readonly [string, ...string[]]>(values: T, defaultValue: T[number]) {
  return z
    .string()
    .optional()
    .transform((raw, ctx): T[number] => {
      if (raw === undefined || raw.trim() === '') return defaultValue;
      const normalised = raw.trim().toLowerCase();
      if ((values as readonly string[]).includes(normalised)) return normalised as T[number];
      ctx.addIssue({ code: 'custom', message: `expected one of ${values.join(', ')}` });
      return z.NEVER;
    });
}

export function text(defaultValue: string) {
  return z
    .string()
    .optional()
    .transform((raw) => (raw === undefined || raw.trim() === '' ? defaultValue : raw.trim()));
}

/** An optional string: undefined when unset or empty. */
export function optionalText() {
  return z
    .string()
    .optional()
    .transform((raw) => (raw === undefined || raw.trim() === '' ? undefined : raw.trim()));
}

/**
 * An optional path to a PEM file holding a certificate (chain) or a private key. The file is read and parsed at
 * start-up so a wrong path or a broken file stops the process with the variable named, not a TLS error later.
 */
export function pemFile(kind: 'certificate' | 'private key') {
  return optionalText().transform((path, ctx) => {
    if (path === undefined) return undefined;
    let pem: Buffer;
    try {
      pem = readFileSync(path);
    } catch (error) {
      ctx.addIssue({
        code: 'custom',
        message: `cannot read ${path}: ${(error as NodeJS.ErrnoException).code}`,
      });
      return z.NEVER;
    }
    try {
      if (kind === 'certificate') new X509Certificate(pem);
      else createPrivateKey(pem);
    } catch (error) {
      ctx.addIssue({
        code: 'custom',
        message: `${path} holds no PEM ${kind} (${(error as Error).message.split('\n')[0]})`,
      });
      return z.NEVER;
    }
    return path;
  });
}

/** An optional path to a readable text file; the value is the path (the file is read again where it is used). */
export function readableFile() {
  return optionalText().transform((path, ctx) => {
    if (path === undefined) return undefined;
    try {
      readFileSync(path);
    } catch (error) {
      ctx.addIssue({
        code: 'custom',
        message: `cannot read ${path}: ${(error as NodeJS.ErrnoException).code}`,
      });
      return z.NEVER;
    }
    return path;
  });
}

/** An optional boolean: undefined when unset, so a schema can tell "not set" from "false". */
export function optionalBoolean() {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw.trim() === '') return undefined;
      const parsed = boolean(false).safeParse(raw);
      if (!parsed.success) {
        ctx.addIssue({ code: 'custom', message: 'expected true or false' });
        return z.NEVER;
      }
      return parsed.data;
    });
}
