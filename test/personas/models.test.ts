import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL, estimateTokens, minCacheableTokens, resolveModel } from '../../src/personas/models.js';

describe('resolveModel', () => {
  it('maps the three aliases, case-insensitively, to current ids', () => {
    expect(resolveModel('sonnet')).toEqual({ id: 'claude-sonnet-5-5' });
    expect(resolveModel('Haiku')).toEqual({ id: 'claude-haiku-5-5' });
    expect(resolveModel(' OPUS ')).toEqual({ id: 'claude-opus-5-5' });
    expect(DEFAULT_MODEL).toBe('claude-sonnet-5-5');
  });

  it('keeps an exact Claude id as it is', () => {
    expect(resolveModel('claude-opus-4-7')).toEqual({ id: 'claude-opus-4-7' });
    expect(resolveModel('claude-haiku-4-5-20251001')).toEqual({ id: 'claude-haiku-4-5-20251001' });
  });

  it('replaces a deprecated id with its family’s current id and says so', () => {
    for (const old of ['claude-sonnet-4-5', 'claude-sonnet-4-5-20250929']) {
      const resolved = resolveModel(old);
      expect(resolved.id).toBe('claude-sonnet-5-5');
      expect(resolved.warning).toContain(old);
      expect(resolved.warning).toContain('deprecated');
    }
    expect(resolveModel('claude-mythos-preview').id).toBe('claude-mythos-5-2');
  });

  it('falls back to the default for models that are not Claude, naming the declared one', () => {
    for (const declared of ['GPT-5 mini', 'gpt-4o', 'gemini-2.5-pro', 'inherit']) {
      const resolved = resolveModel(declared);
      expect(resolved.id).toBe(DEFAULT_MODEL);
      expect(resolved.warning).toContain(`'${declared}'`);
      expect(resolved.warning).toContain('not a Claude model');
    }
  });

  it('uses the default without a warning when nothing is declared', () => {
    expect(resolveModel(undefined)).toEqual({ id: DEFAULT_MODEL });
    expect(resolveModel('  ')).toEqual({ id: DEFAULT_MODEL });
  });
});

describe('minCacheableTokens and estimateTokens', () => {
  it('uses the conservative per-family minimums', () => {
    expect(minCacheableTokens('claude-haiku-5-5')).toBe(4096);
    expect(minCacheableTokens('claude-sonnet-5-5')).toBe(2048);
    expect(minCacheableTokens('claude-opus-5-5')).toBe(1024);
    expect(minCacheableTokens('claude-fable-5-2')).toBe(4096);
  });

  it('estimates a token per four characters, rounding up', () => {
    expect(estimateTokens('')).toBe(0);
    expect(estimateTokens('abcd')).toBe(1);
    expect(estimateTokens('abcde')).toBe(2);
  });
});
