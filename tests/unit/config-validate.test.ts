import { describe, expect, it } from 'vitest';
import { validateConfig, type Schema } from '../../src/core/config/validate.ts';
import { checkTrainingConfig, parseTrainConfig } from '../../src/core/head/train-config.ts';
import { DEFAULT_TRAINING_CONFIG } from '../../src/core/head/worker-api.ts';

describe('config validation', () => {
  const schema: Schema = { rate: { type: 'number', min: 0, below: 1 } };

  it('a key named after an Object prototype member is unknown, not accepted', () => {
    for (const key of ['constructor', 'hasOwnProperty', 'toString', '__proto__']) {
      const value = JSON.parse(`{"${key}": 5}`);
      expect(() => validateConfig(value, schema, 'c.json'), key).toThrow(new RegExp(`c\\.json: key "${key}" is not a known key`));
    }
  });

  it('an exclusive upper bound rejects the bound itself and names the key', () => {
    expect(validateConfig({ rate: 0.999 }, schema, 'c.json')).toEqual({ rate: 0.999 });
    expect(() => validateConfig({ rate: 1 }, schema, 'c.json')).toThrow('c.json: key "rate" must be < 1, got 1');
  });

  it("Adam's betas must be below 1 (1 divides by a zero bias correction: NaN weights)", () => {
    const base = { train_file: 'emb/train', output_dir: 'runs/x' };
    expect(parseTrainConfig({ ...base, adam_beta1: 0.9, adam_beta2: 0.999 }, 't.json').adam_beta2).toBe(0.999);
    expect(() => parseTrainConfig({ ...base, adam_beta1: 1 }, 't.json')).toThrow('t.json: key "adam_beta1" must be < 1, got 1');
    expect(() => parseTrainConfig({ ...base, adam_beta2: 1 }, 't.json')).toThrow('t.json: key "adam_beta2" must be < 1, got 1');
  });

  it('an empty path is refused, naming the key, instead of meaning no evaluation or the current folder', () => {
    const base = { train_file: 'emb/train', output_dir: 'runs/x' };
    expect(parseTrainConfig({ ...base, eval_file: null }, 't.json').eval_file).toBeNull();
    expect(() => parseTrainConfig({ ...base, eval_file: '' }, 't.json')).toThrow('t.json: key "eval_file" is empty; give a path or null');
    expect(() => parseTrainConfig({ ...base, output_dir: ' ' }, 't.json')).toThrow('t.json: key "output_dir" is empty; give a path');
    expect(() => parseTrainConfig({ ...base, train_file: '' }, 't.json')).toThrow(/key "train_file" is empty/);
  });

  it('max_grad_norm defaults to the Trainer\'s 1.0 and initializer_range to null (nn.Linear); both are checked', () => {
    const base = { train_file: 'emb/train', output_dir: 'runs/x' };
    const cfg = parseTrainConfig(base, 't.json');
    expect([cfg.max_grad_norm, cfg.initializer_range]).toEqual([1, null]);
    expect(parseTrainConfig({ ...base, initializer_range: 0.02, max_grad_norm: 0 }, 't.json')).toMatchObject({ initializer_range: 0.02, max_grad_norm: 0 });
    expect(() => parseTrainConfig({ ...base, max_grad_norm: -1 }, 't.json')).toThrow('t.json: key "max_grad_norm" must be >= 0, got -1');
    expect(() => parseTrainConfig({ ...base, initializer_range: '0.02' }, 't.json')).toThrow(/t\.json: key "initializer_range" must be number\|null/);
    // 0 would be all-zero weights, which the hf head's gradients never move.
    expect(() => parseTrainConfig({ ...base, initializer_range: 0 }, 't.json')).toThrow('t.json: key "initializer_range" must be > 0, got 0');
  });

  it('adam_epsilon must be > 0: with 0, a weight whose gradient stayed 0 gets 0/0 = NaN and spreads it', () => {
    const base = { train_file: 'emb/train', output_dir: 'runs/x' };
    expect(() => parseTrainConfig({ ...base, adam_epsilon: 0 }, 't.json')).toThrow('t.json: key "adam_epsilon" must be > 0, got 0');
    expect(parseTrainConfig({ ...base, adam_epsilon: 1e-8 }, 't.json').adam_epsilon).toBe(1e-8);
  });
});

describe('the app\'s training form, checked as a config file is', () => {
  it('applies the rules between keys and the head keys too', () => {
    const ok = { ...DEFAULT_TRAINING_CONFIG };
    expect(() => checkTrainingConfig(ok, 'form')).not.toThrow();
    expect(() => checkTrainingConfig({ ...ok, num_train_epochs: 0 }, 'form')).toThrow('form: key "num_train_epochs" must be > 0 when max_steps is -1');
    expect(() => checkTrainingConfig({ ...ok, max_steps: 0 }, 'form')).toThrow(/key "max_steps" must be -1/);
    const head = { head_type: 'hf', classifier_proj_size: 768, mlp_hidden_size: 256, mlp_activation: 'relu', mlp_dropout: 0.1 };
    expect(() => checkTrainingConfig(ok, 'form', head)).not.toThrow();
    expect(() => checkTrainingConfig(ok, 'form', { ...head, classifier_proj_size: 2.5 })).toThrow(/key "classifier_proj_size"/);
    expect(() => checkTrainingConfig(ok, 'form', { ...head, mlp_dropout: 0.995 })).toThrow(/key "mlp_dropout"/);
  });
});
