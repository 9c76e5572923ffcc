/**
 * What a benchmark plan can ask of a debug probe before and during a run: flash (or load) the firmware,
 * and read cycle counts of a function or region. Pure schema; the core's probe sessions carry it out.
 */
import { z } from 'zod'

const where = z.union([z.string().min(1).max(200), z.number().int().min(0).max(0xffffffff)])

export const ProbeRunStepSchema = z
  .object({
    /** `virtual:cmsis-dap`, `cmsis-dap:SERIAL`, `stlink:SERIAL`, `gdb:…`. */
    probe: z.string().min(1).max(300),
    flash: z
      .object({
        firmware: z.string().min(1).max(4096),
        mode: z.enum(['flash', 'load']).default('flash'),
        baseAddress: z.number().int().min(0).max(0xffffffff).optional(),
        algorithm: z.string().min(1).max(4096).optional(),
        algorithmRam: z.object({ start: z.number().int().min(0).max(0xffffffff), sizeBytes: z.number().int().min(4) }).strict().optional()
      })
      .strict()
      .optional(),
    cycles: z
      .object({ function: where.optional(), start: where.optional(), end: where.optional(), calls: z.number().int().min(1).max(1000).default(1) })
      .strict()
      .refine((c) => (c.function !== undefined) !== (c.start !== undefined && c.end !== undefined), 'Give either a function, or a region as start and end.')
      .optional()
  })
  .strict()

export type ProbeRunStep = z.output<typeof ProbeRunStepSchema>
