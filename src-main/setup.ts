/**
 * What every host does once before it uses the core: register each instrument family's raw-word decoder
 * with the recording store, wrapped so recordings made under a calibration decode through it.
 */
import './instruments/raw-formats'
import { enableCalibratedRawFormats } from './calibration/raw-formats'

enableCalibratedRawFormats()
