import { describe, expect, it } from 'vitest'
import { readVelaSummaryCsv, VelaSummaryError } from '../../src-main/models/vela-summary'
import { VELA_HEADER, VELA_RESNET_ROW } from '../helpers/models-vela-sample'

describe('Vela summary CSV', () => {
  it('brings the ResNet summary to bytes, Hz and seconds', () => {
    const s = readVelaSummaryCsv(`${VELA_HEADER}\n${VELA_RESNET_ROW}\n`, 'resnet_summary.csv')
    expect(s.configurations).toHaveLength(1)
    const c = s.configurations[0]
    expect(c).toMatchObject({
      network: 'resnet_full_integer_quant',
      acceleratorConfiguration: 'Ethos_U55_64',
      systemConfig: 'Ethos_U55_High_End_Embedded',
      memoryMode: 'Shared_Sram',
      coreClockHz: 500e6,
      macs: 18_498_048,
      originalWeightsBytes: 381_792,
      npuEncodedWeightsBytes: 404_176,
      weightsStorageArea: 'Off-chip Flash',
      featureMapStorageArea: 'SRAM',
      passesAfterFusing: 2
    })
    // Vela writes KiB: 145.53125 KiB = 149,024 bytes; 422.109375 KiB = 432,240 bytes.
    expect(c.memoryUsedBytes).toEqual({ sram: 149_024, dram: 0, on_chip_flash: 0, off_chip_flash: 432_240 })
    // The inference time is the total cycles at the core clock.
    expect(c.inferenceTimeS).toBeCloseTo(1_157_223 / 500e6, 12)
    expect(c.cycles).toEqual({ npu: 1_143_269, sram_access: 96_559, dram_access: 0, on_chip_flash_access: 0, off_chip_flash_access: 15_424, total: 1_157_223 })
    // 3.7252902984 GiB/s is 4 GB/s: four bytes per cycle at 1 GHz.
    expect(c.bandwidthBytesPerS.sram).toBeCloseTo(4e9, 0)
    expect(c.traffic.off_chip_flash).toEqual({ featureMapReadBytes: 0, featureMapWriteBytes: 0, weightReadBytes: 415_432, weightWriteBytes: 0, totalBytes: 416_432 })
    expect(c.columns.experiment).toBe('default')
  })

  it('reads the older layout (npu_clock, GB/s) and several configurations', () => {
    const header = 'experiment,network,accelerator_configuration,system_config,npu_clock,sram_size,sram_bandwidth,inferences_per_second,batch_size,inference_time,sram_memory_used,nn_macs,cycles_total'
    const rows = ['default,kws,ethos-u55-128,Ethos_U55_High_End_Embedded,500000000.0,384.0,4.0,1000.0,1,0.001,50.0,2656768,500000', 'default,kws,ethos-u55-64,Ethos_U55_High_End_Embedded,500000000.0,384.0,4.0,500.0,1,0.002,50.0,2656768,1000000']
    const s = readVelaSummaryCsv([header, ...rows].join('\r\n'), 'old.csv')
    expect(s.configurations.map((c) => c.acceleratorConfiguration)).toEqual(['ethos-u55-128', 'ethos-u55-64'])
    expect(s.configurations[0].coreClockHz).toBe(500e6)
    expect(s.configurations[0].bandwidthBytesPerS.sram).toBe(4e9)
    expect(s.configurations[1].memoryUsedBytes.sram).toBe(51_200)
    expect(s.configurations[1].memoryUsedBytes.dram).toBeNull()
    expect(s.configurations[1].memoryMode).toBeNull()
  })

  it('says which columns are missing when the CSV is something else', () => {
    const err = (() => {
      try {
        readVelaSummaryCsv('DSP,Layer type,Filters\n0,Conv,8\n', 'Filters.csv')
      } catch (e) {
        return e as Error
      }
      throw new Error('expected an error')
    })()
    expect(err).toBeInstanceOf(VelaSummaryError)
    expect(err.message).toMatch(/Filters\.csv is not a Vela summary CSV: expected the columns network, accelerator_configuration, inference_time, but network, accelerator_configuration, inference_time are missing \(found: DSP, Layer type, Filters\)/)
    expect(() => readVelaSummaryCsv(`${VELA_HEADER}\n`, 'empty.csv')).toThrow(/empty\.csv has a Vela header but no configuration rows/)
  })
})
