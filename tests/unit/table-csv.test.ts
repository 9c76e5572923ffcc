import { describe, expect, it } from 'vitest'
import { detectDelimiter, parseCsv, parseNumberCell, TableFormatError } from '../../src-main/formats/table-csv'
import { unitFromHeader } from '../../src-main/formats/table-units'
import { prng } from '../helpers/prng'

describe('CSV tables', () => {
  it('reads quoted fields with delimiters, doubled quotes and line breaks, CRLF ends and a BOM', () => {
    const text = '\ufeffname,"note, with comma",value\r\n"a ""quoted"" word","two\nlines",1.5e-3\r\n\r\nb,,2\r\n'
    const t = parseCsv(text, 't.csv')
    expect(t.header).toEqual(['name', 'note, with comma', 'value'])
    expect(t.rows).toEqual([
      ['a "quoted" word', 'two\nlines', '1.5e-3'],
      ['b', '', '2']
    ])
    // The second record starts after the blank line: line 5 of the file.
    expect(t.rowLines).toEqual([2, 5])
  })

  it('detects semicolon and tab delimiters from the header line', () => {
    expect(detectDelimiter('Time (ms);Current (uA)')).toBe(';')
    expect(detectDelimiter('a\tb\tc')).toBe('\t')
    expect(detectDelimiter('"x;y",z')).toBe(',')
    const t = parseCsv('Time (ms);Current (uA)\n0,1;250\n', 'stpm.csv')
    expect(t.delimiter).toBe(';')
    expect(t.rows[0]).toEqual(['0,1', '250'])
  })

  it('names the file and line of a ragged row, an unclosed quote, or a bad header', () => {
    expect(() => parseCsv('a,b\n1,2\n3\n', 'r.csv')).toThrow(/r\.csv: line 3 has 1 field\(s\), but the header has 2/)
    expect(() => parseCsv('a,b\n1,"2\n3,4\n', 'q.csv')).toThrow(/q\.csv: a quoted field opened on line 2 is never closed/)
    expect(() => parseCsv('a,,c\n', 'h.csv')).toThrow(/column 2 of the header on line 1 has no name/)
    expect(() => parseCsv('a,b,a\n', 'd.csv')).toThrow(/names the column "a" twice/)
    expect(() => parseCsv('', 'e.csv')).toThrow(/e\.csv: the file is empty/)
  })

  it('parses numbers strictly', () => {
    expect(parseNumberCell(' 0.04894000000000011 ')).toBe(0.04894000000000011)
    expect(parseNumberCell('2.0')).toBe(2)
    expect(parseNumberCell('-1e-9')).toBe(-1e-9)
    expect(parseNumberCell('.5')).toBe(0.5)
    for (const bad of ['', 'Conv', '1,5', '0x10', '1e', 'NaN', 'Infinity']) expect(parseNumberCell(bad)).toBeNull()
  })

  it('reads units from headings', () => {
    expect(unitFromHeader('Consumption (J)')).toEqual({ unit: 'J', toSi: 1, written: 'J' })
    expect(unitFromHeader('Time (ms)')).toEqual({ unit: 's', toSi: 1e-3, written: 'ms' })
    expect(unitFromHeader('Main Avg Power (mW)')?.toSi).toBe(1e-3)
    expect(unitFromHeader('Frequency (MHz)')).toEqual({ unit: 'Hz', toSi: 1e6, written: 'MHz' })
    expect(unitFromHeader('Current [uA]')).toEqual({ unit: 'A', toSi: 1e-6, written: 'uA' })
    expect(unitFromHeader('Layer type')).toBeNull()
    expect(unitFromHeader('Ops (MACs)')).toBeNull()
  })

  it('gives a table or a TableFormatError for random and mutated text, never another error', () => {
    const rand = prng(99)
    const alphabet = ['a', '1', ',', ';', '"', '\n', '\r', ' ', '.', 'e', '\t', '\ufeff']
    const sample = 'DSP,Layer type,Filters,Latency (s),Consumption (J)\n2,GroupConv,8,0.0489,0.00336\n0,"Shift, Conv",8,0.0726,0.00386\n'
    let ok = 0
    for (let round = 0; round < 2000; round++) {
      let text: string
      if (round % 2) {
        text = Array.from({ length: Math.floor(rand() * 80) }, () => alphabet[Math.floor(rand() * alphabet.length)]).join('')
      } else {
        const chars = [...sample]
        for (let k = 0; k < 3; k++) chars[Math.floor(rand() * chars.length)] = alphabet[Math.floor(rand() * alphabet.length)]
        text = chars.join('')
      }
      try {
        const t = parseCsv(text, 'fuzz.csv')
        for (const r of t.rows) expect(r).toHaveLength(t.header.length)
        ok++
      } catch (e) {
        if (!(e instanceof TableFormatError)) throw e
        expect(e.message).toMatch(/^fuzz\.csv: /)
      }
    }
    expect(ok).toBeGreaterThan(100)
  })
})
