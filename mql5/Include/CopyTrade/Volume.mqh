//+------------------------------------------------------------------+
//| Volume.mqh -- lots and prices fitted to a symbol's limits.        |
//|                                                                  |
//| CT_FitVolume mirrors server/copytrade/domain/lots.py fit_volume:  |
//| round DOWN to SYMBOL_VOLUME_STEP, never above SYMBOL_VOLUME_MAX;  |
//| the caller refuses a result below SYMBOL_VOLUME_MIN. Doubles are  |
//| compared with a small tolerance so 0.3/0.1 counts as 3 steps.     |
//+------------------------------------------------------------------+
#ifndef CT_VOLUME_MQH
#define CT_VOLUME_MQH

#include <CopyTrade/Protocol.mqh>

#define CT_STEP_EPSILON 1e-9   // in units of one step: absorbs double error (0.3/0.1), no more

// Decimal places needed to write `step` exactly (0.01 -> 2, 0.5 -> 1, 1 -> 0), at most 8.
int CT_StepDigits(double step)
  {
   if(!(step > 0))
      return 2;
   for(int d = 0; d < 8; d++)
     {
      double scaled = step * MathPow(10.0, d);
      if(MathAbs(scaled - MathRound(scaled)) < 1e-9 * MathMax(1.0, scaled))
         return d;
     }
   return 8;
  }

// The largest whole multiple of `step` not above `volume` (0 for volumes <= 0).
double CT_FloorToStep(double volume, double step)
  {
   if(!(step > 0) || !(volume > 0))
      return 0.0;
   double steps = MathFloor(volume / step + CT_STEP_EPSILON);
   return steps * step;
  }

// `volume` rounded down to the step and clamped to the largest allowed multiple of it.
double CT_FitVolume(double volume, double vmin, double vmax, double step)
  {
   double fitted = CT_FloorToStep(volume, step);
   double largest = CT_FloorToStep(vmax, step);
   if(vmax > 0 && fitted > largest)
      fitted = largest;
   return fitted;
  }

// Whether an order of `volume` lots meets the symbol's minimum (and is above zero).
bool CT_IsTradableVolume(double volume, double vmin, double step)
  {
   double tolerance = step > 0 ? step * CT_STEP_EPSILON : 1e-12;
   return volume > tolerance && volume >= vmin - tolerance;
  }

// A fitted volume as wire text, written with the step's decimals ("0.30", "2", "0.005").
string CT_VolumeText(double volume, double step)
  {
   return CT_Dec(volume, CT_StepDigits(step));
  }

// A price rounded to the nearest tick; 0 (no SL/TP) stays 0.
double CT_NormalizePrice(double price, double tickSize)
  {
   if(price <= 0)
      return 0.0;
   if(!(tickSize > 0))
      return price;
   return MathRound(price / tickSize) * tickSize;
  }

// How many points `market` is away from `reference` (rounded to the nearest point).
long CT_DeviationPoints(double market, double reference, double point)
  {
   if(!(point > 0) || !(reference > 0))
      return 0;
   return (long)MathRound(MathAbs(market - reference) / point);
  }

// True when a deviation limit is set and `market` is further than it from `reference`.
bool CT_DeviationTooLarge(double market, double reference, double point, long maxPoints)
  {
   if(maxPoints <= 0 || !(reference > 0))
      return false;
   return CT_DeviationPoints(market, reference, point) > maxPoints;
  }

#endif
