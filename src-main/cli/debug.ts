import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { UserError, describeError } from '../shared/errors.js';
import { DecodeError, decodePhoto } from '../worker/decode.js';
import type { ModelInputSpec } from '../worker/preprocess.js';
import { loadTextTokenizer } from '../worker/text-tokenizer.js';

const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073] as const;
const CLIP_STD = [0.26862954, 0.26130258, 0.27577711] as const;

function triple(value: string): [number, number, number] {
  const parts = value.split(',').map(Number);
  if (parts.length !== 3 || parts.some((n) => !Number.isFinite(n)))
    throw new InvalidArgumentError('expected three numbers: r,g,b');
  return parts as [number, number, number];
}

function positive(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new InvalidArgumentError('expected a whole number of at least 1');
  return parsed;
}

/** A tokenizer.json is CLIP's BPE when its model is BPE with CLIP's end-of-word suffix. */
function tokenizerKind(file: string): 'clip-bpe' | 'huggingface' {
  if (!file.endsWith('.json')) return 'clip-bpe';
  let json: { model?: { type?: string; end_of_word_suffix?: string } };
  try {
    json = JSON.parse(readFileSync(file, 'utf8')) as typeof json;
  } catch (error) {
    throw new UserError(`${file} cannot be read as a tokenizer (${describeError(error)}).`);
  }
  return json.model?.type === 'BPE' && json.model.end_of_word_suffix === '</w>' ? 'clip-bpe' : 'huggingface';
}

/** Commands that show exactly what the model is fed: for tests and for anyone debugging a model. */
export function debugCommand(): Command {
  const debug = new Command('debug').description('show the exact model inputs Shoebox makes (for debugging models)');

  debug
    .command('tokenize')
    .description('print the token ids of a text, padded to the context length')
    .requiredOption('--tokenizer <file>', 'bpe_simple_vocab_16e6.txt(.gz), merges.txt or tokenizer.json')
    .option('--context-length <n>', 'tokens per text', positive, 77)
    .option('--json', 'print JSON: { "ids": [...] }')
    .argument('<text...>')
    .action((words: string[], options: { tokenizer: string; contextLength: number; json?: boolean }) => {
      const file = resolve(options.tokenizer);
      let ids: number[];
      try {
        const tokenizer = loadTextTokenizer('/', {
          kind: tokenizerKind(file),
          file,
          contextLength: options.contextLength,
          padId: 0,
          lowercase: false,
        });
        ids = tokenizer.tokenize(words.join(' ')).ids;
      } catch (error) {
        if (error instanceof UserError) throw error;
        throw new UserError(`The tokenizer ${file} cannot be used (${describeError(error)}).`);
      }
      process.stdout.write(options.json ? JSON.stringify({ ids }) + '\n' : ids.join(' ') + '\n');
    });

  debug
    .command('preprocess')
    .description('write the model input tensor of a photo: float32 little-endian, NCHW [1,3,size,size]')
    .argument('<image>')
    .requiredOption('--out <file>', 'where to write the tensor')
    .option('--size <pixels>', 'model input size', positive, 224)
    .option('--mean <r,g,b>', 'normalisation mean (CLIP by default)', triple)
    .option('--std <r,g,b>', 'normalisation standard deviation (CLIP by default)', triple)
    .option('--squash', 'resize both sides to the size (SigLIP) instead of shorter side + centre crop (CLIP)')
    .option('--bilinear', 'bilinear instead of bicubic filtering')
    .action(
      async (
        image: string,
        options: {
          out: string;
          size: number;
          mean?: [number, number, number];
          std?: [number, number, number];
          squash?: boolean;
          bilinear?: boolean;
        },
      ) => {
        const spec: ModelInputSpec = {
          size: options.size,
          mean: options.mean ?? CLIP_MEAN,
          std: options.std ?? CLIP_STD,
          resize: options.squash ? 'squash' : 'shortest-edge-crop',
          interpolation: options.bilinear ? 'bilinear' : 'bicubic',
        };
        let tensor: Float32Array;
        try {
          ({ tensor } = await decodePhoto(resolve(image), spec, null));
        } catch (error) {
          if (error instanceof DecodeError) throw new UserError(`${resolve(image)}: ${error.message}.`);
          throw error;
        }
        const bytes = Buffer.from(tensor.buffer, tensor.byteOffset, tensor.byteLength);
        // Float32Array is in the machine's byte order; the file format is little-endian.
        if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) bytes.swap32();
        writeFileSync(resolve(options.out), bytes);
        process.stderr.write(`Wrote float32 [1,3,${options.size},${options.size}] to ${resolve(options.out)}\n`);
      },
    );
  return debug;
}
