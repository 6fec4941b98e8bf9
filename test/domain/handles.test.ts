import { describe, expect, it } from 'vitest';
import { applyHandles } from '../../src/domain/handles.js';
import { ownersFor, shouldEscalate } from '../../src/domain/escalation.js';

const handles = { sales: 'S0SALES', marketing: 'S0MARKETING', finance: 'U0FINANCE' };

describe('applyHandles', () => {
  it('turns mapped handles into real mentions and leaves the rest as text', () => {
    expect(applyHandles('Please loop in @sales and @marketing; @content can help.', handles)).toBe(
      'Please loop in <!subteam^S0SALES> and <!subteam^S0MARKETING>; @content can help.',
    );
    expect(applyHandles('Ask @Finance (pricing).', handles)).toBe('Ask <@U0FINANCE> (pricing).');
    expect(applyHandles('**@sales** owns this', handles)).toBe('**<!subteam^S0SALES>** owns this');
  });

  it('leaves code, emails and package names alone', () => {
    expect(applyHandles('Mail sales@acme.com or use `@sales` in code', handles)).toBe(
      'Mail sales@acme.com or use `@sales` in code',
    );
    expect(applyHandles('```\n@sales\n```', handles)).toBe('```\n@sales\n```');
    expect(applyHandles('npm i @sales/sdk', handles)).toBe('npm i @sales/sdk');
  });
});

describe('escalation policy', () => {
  const base = { outOfScope: false, strategic: true, area: 'Complex customer negotiations', confidence: 0.9 };
  it('escalates only strategic, in-scope, confident assessments in an area', () => {
    expect(shouldEscalate(base, 0.7)).toBe(true);
    expect(shouldEscalate({ ...base, confidence: 0.6 }, 0.7)).toBe(false);
    expect(shouldEscalate({ ...base, strategic: false }, 0.7)).toBe(false);
    expect(shouldEscalate({ ...base, outOfScope: true }, 0.7)).toBe(false);
    expect(shouldEscalate({ ...base, area: 'none' }, 0.7)).toBe(false);
  });
  it('finds owners case-insensitively and falls back', () => {
    const esc = {
      channel: 'C0ESC',
      owners: [{ area: 'Complex customer negotiations', notify: ['U0NEG'] }],
      fallback: ['U0LEAD'],
      acknowledgeWithinMinutes: 30,
      confidenceThreshold: 0.7,
    };
    expect(ownersFor(esc, 'complex customer NEGOTIATIONS')).toEqual(['U0NEG']);
    expect(ownersFor(esc, 'Executive customer relationships')).toEqual(['U0LEAD']);
  });
});
