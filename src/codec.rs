//! Values as bytes, exactly: integers little-endian, every float by its bits, lengths before
//! sequences. The primitives that a run's records (`split::codec`) and the ledgers that carry
//! their own encoding (`licensing`) are written with; it knows no record of either, so both
//! can use it without depending on each other.

#[derive(Default)]
pub struct Writer {
    pub bytes: Vec<u8>,
}

impl Writer {
    pub fn u8(&mut self, x: u8) {
        self.bytes.push(x);
    }
    pub fn u32(&mut self, x: u32) {
        self.bytes.extend_from_slice(&x.to_le_bytes());
    }
    pub fn u64(&mut self, x: u64) {
        self.bytes.extend_from_slice(&x.to_le_bytes());
    }
    pub fn f64(&mut self, x: f64) {
        self.u64(x.to_bits());
    }
    pub fn bool(&mut self, x: bool) {
        self.u8(u8::from(x));
    }
    pub fn len(&mut self, n: usize) {
        self.u64(n as u64);
    }
    pub fn f64s(&mut self, xs: &[f64]) {
        self.len(xs.len());
        xs.iter().for_each(|&x| self.f64(x));
    }
    pub fn u64s(&mut self, xs: &[u64]) {
        self.len(xs.len());
        xs.iter().for_each(|&x| self.u64(x));
    }
    pub fn opt_u64(&mut self, x: Option<u64>) {
        match x {
            Some(v) => {
                self.u8(1);
                self.u64(v);
            }
            None => self.u8(0),
        }
    }
}

/// Reads what [`Writer`] wrote; every read checks the bytes are there.
pub struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

/// A damaged or foreign file: the caller names it.
pub type Bad = String;

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes, at: 0 }
    }
    fn take(&mut self, n: usize) -> Result<&'a [u8], Bad> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len());
        let Some(end) = end else {
            return Err(format!(
                "truncated: {n} bytes wanted at byte {} of {}",
                self.at,
                self.bytes.len()
            ));
        };
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }
    pub fn done(&self) -> Result<(), Bad> {
        if self.at == self.bytes.len() {
            Ok(())
        } else {
            Err(format!(
                "{} bytes left over after the records",
                self.bytes.len() - self.at
            ))
        }
    }
    pub fn u8(&mut self) -> Result<u8, Bad> {
        Ok(self.take(1)?[0])
    }
    pub fn u32(&mut self) -> Result<u32, Bad> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().unwrap_or([0; 4]),
        ))
    }
    pub fn u64(&mut self) -> Result<u64, Bad> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().unwrap_or([0; 8]),
        ))
    }
    pub fn f64(&mut self) -> Result<f64, Bad> {
        Ok(f64::from_bits(self.u64()?))
    }
    pub fn bool(&mut self) -> Result<bool, Bad> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            b => Err(format!("byte {b} where a flag (0 or 1) was expected")),
        }
    }
    /// A length, checked against the bytes left (each element takes at least `min_bytes`).
    pub fn len(&mut self, min_bytes: usize) -> Result<usize, Bad> {
        let n = self.u64()?;
        let left = (self.bytes.len() - self.at) as u64;
        if n.saturating_mul(min_bytes.max(1) as u64) > left && min_bytes > 0 {
            return Err(format!("truncated: a length of {n} with {left} bytes left"));
        }
        usize::try_from(n).map_err(|_| format!("a length of {n}"))
    }
    pub fn f64s(&mut self) -> Result<Vec<f64>, Bad> {
        let n = self.len(8)?;
        (0..n).map(|_| self.f64()).collect()
    }
    pub fn u64s(&mut self) -> Result<Vec<u64>, Bad> {
        let n = self.len(8)?;
        (0..n).map(|_| self.u64()).collect()
    }
    pub fn opt_u64(&mut self) -> Result<Option<u64>, Bad> {
        Ok(if self.bool()? {
            Some(self.u64()?)
        } else {
            None
        })
    }
}
