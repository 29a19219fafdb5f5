//+------------------------------------------------------------------+
//| Trade.mqh -- thin wrappers around OrderSend and trade retcodes.   |
//+------------------------------------------------------------------+
#ifndef CT_TRADE_MQH
#define CT_TRADE_MQH

#include <CopyTrade/Protocol.mqh>
#include <CopyTrade/Volume.mqh>

// Human text for an MT5 trade server return code (MqlTradeResult.retcode).
string CT_RetcodeText(uint retcode)
  {
   switch(retcode)
     {
      case 10004: return "Requote";
      case 10006: return "Request rejected";
      case 10007: return "Request canceled by trader";
      case 10008: return "Order placed";
      case 10009: return "Request completed";
      case 10010: return "Only part of the request was completed";
      case 10011: return "Request processing error";
      case 10012: return "Request canceled by timeout";
      case 10013: return "Invalid request";
      case 10014: return "Invalid volume";
      case 10015: return "Invalid price";
      case 10016: return "Invalid stops";
      case 10017: return "Trade is disabled";
      case 10018: return "Market is closed";
      case 10019: return "No money";
      case 10020: return "Prices changed";
      case 10021: return "No quotes to process the request";
      case 10022: return "Invalid order expiration date";
      case 10023: return "Order state changed";
      case 10024: return "Too frequent requests";
      case 10025: return "No changes in request";
      case 10026: return "Autotrading disabled by server";
      case 10027: return "Autotrading disabled by client terminal";
      case 10028: return "Request locked for processing";
      case 10029: return "Order or position frozen";
      case 10030: return "Invalid order filling type";
      case 10031: return "No connection with the trade server";
      case 10032: return "Operation allowed only for live accounts";
      case 10033: return "Pending orders limit reached";
      case 10034: return "Volume limit for the symbol reached";
      case 10035: return "Incorrect or prohibited order type";
      case 10036: return "Position already closed";
      case 10038: return "Close volume exceeds the position volume";
      case 10039: return "A close order already exists for this position";
      case 10040: return "Open positions limit reached";
      case 10044: return "Only closing positions is allowed";
      case 10045: return "Position close allowed only by FIFO rule";
      case 10046: return "Opposite positions on a symbol are disabled";
     }
   return "Trade server return code " + IntegerToString(retcode);
  }

bool CT_RetcodeDone(uint retcode) { return retcode == 10009 || retcode == 10008 || retcode == 10010; }

// Worth trying again with a fresh price (after re-checking nothing was opened).
bool CT_RetcodeRetryable(uint retcode)
  {
   return retcode == 10004 || retcode == 10020 || retcode == 10021 || retcode == 10012 ||
          retcode == 10024 || retcode == 10028 || retcode == 10031;
  }

// The `index`-th filling mode worth trying for a market order on `symbol` (0 = best), false
// when there is none left. SYMBOL_FILLING_MODE is a set of SYMBOL_FILLING_* flags; RETURN is
// valid for market orders only in Exchange execution, and Instant/Request execution take FOK.
// On 10030 (invalid filling) the caller tries the next one.
bool CT_FillingAt(const string symbol, int index, ENUM_ORDER_TYPE_FILLING &mode)
  {
   long flags = SymbolInfoInteger(symbol, SYMBOL_FILLING_MODE);
   long exe = SymbolInfoInteger(symbol, SYMBOL_TRADE_EXEMODE);
   bool fok = (flags & SYMBOL_FILLING_FOK) == SYMBOL_FILLING_FOK ||
              exe == SYMBOL_TRADE_EXECUTION_INSTANT || exe == SYMBOL_TRADE_EXECUTION_REQUEST;
   bool ioc = (flags & SYMBOL_FILLING_IOC) == SYMBOL_FILLING_IOC;
   bool ret = exe == SYMBOL_TRADE_EXECUTION_EXCHANGE;
   if(!fok && !ioc && !ret)
      fok = ioc = ret = true; // nothing advertised: try them all
   int k = 0;
   if(fok && k++ == index)
     {
      mode = ORDER_FILLING_FOK;
      return true;
     }
   if(ioc && k++ == index)
     {
      mode = ORDER_FILLING_IOC;
      return true;
     }
   if(ret && k++ == index)
     {
      mode = ORDER_FILLING_RETURN;
      return true;
     }
   return false;
  }

int CT_SymbolVolumeDigits(const string symbol)
  {
   return CT_StepDigits(SymbolInfoDouble(symbol, SYMBOL_VOLUME_STEP));
  }

double CT_SymbolNormalizePrice(const string symbol, double price)
  {
   double tick = SymbolInfoDouble(symbol, SYMBOL_TRADE_TICK_SIZE);
   if(tick <= 0)
      tick = SymbolInfoDouble(symbol, SYMBOL_POINT);
   int digits = (int)SymbolInfoInteger(symbol, SYMBOL_DIGITS);
   return NormalizeDouble(CT_NormalizePrice(price, tick), digits);
  }

// OrderSend with the symbol's filling modes in turn while the server answers 10030.
bool CT_SendWithFilling(MqlTradeRequest &request, MqlTradeResult &result)
  {
   request.type_time = ORDER_TIME_GTC;
   request.volume = NormalizeDouble(request.volume, CT_SymbolVolumeDigits(request.symbol));
   ENUM_ORDER_TYPE_FILLING mode = ORDER_FILLING_FOK;
   bool sent = false;
   for(int i = 0; CT_FillingAt(request.symbol, i, mode); i++)
     {
      request.type_filling = mode;
      ZeroMemory(result);
      sent = OrderSend(request, result);
      if(result.retcode != 10030)
         break;
      PrintFormat("CopyTrade: %s refused filling mode %s (10030); trying the next one", request.symbol,
                  CT_FillingText(mode));
     }
   return sent && CT_RetcodeDone(result.retcode);
  }

string CT_FillingText(ENUM_ORDER_TYPE_FILLING mode)
  {
   if(mode == ORDER_FILLING_FOK)
      return "FOK";
   if(mode == ORDER_FILLING_IOC)
      return "IOC";
   return "RETURN";
  }

// Market order. `side` is "BUY" or "SELL". Fills `result`; true if the server accepted it.
bool CT_SendMarket(const string symbol, const string side, double volume, double sl, double tp,
                   ulong magic, const string comment, ulong deviation, MqlTradeResult &result)
  {
   MqlTradeRequest request;
   MqlTick tick;
   ZeroMemory(request);
   ZeroMemory(result);
   if(!SymbolInfoTick(symbol, tick))
     {
      result.retcode = 10021;
      result.comment = "no quotes for " + symbol;
      return false;
     }
   request.action = TRADE_ACTION_DEAL;
   request.symbol = symbol;
   request.volume = volume;
   request.type = side == "BUY" ? ORDER_TYPE_BUY : ORDER_TYPE_SELL;
   request.price = side == "BUY" ? tick.ask : tick.bid;
   request.sl = sl;
   request.tp = tp;
   request.deviation = deviation;
   request.magic = magic;
   request.comment = comment;
   return CT_SendWithFilling(request, result);
  }

// Close `volume` lots of the open position `ticket` (selected by the caller) at market.
bool CT_ClosePosition(ulong ticket, double volume, ulong deviation, MqlTradeResult &result)
  {
   MqlTradeRequest request;
   MqlTick tick;
   ZeroMemory(request);
   ZeroMemory(result);
   if(!PositionSelectByTicket(ticket))
     {
      result.retcode = 10036;
      result.comment = "position already closed";
      return false;
     }
   string symbol = PositionGetString(POSITION_SYMBOL);
   if(!SymbolInfoTick(symbol, tick))
     {
      result.retcode = 10021;
      result.comment = "no quotes for " + symbol;
      return false;
     }
   bool isBuy = PositionGetInteger(POSITION_TYPE) == POSITION_TYPE_BUY;
   request.action = TRADE_ACTION_DEAL;
   request.position = ticket;
   request.symbol = symbol;
   request.volume = volume;
   request.type = isBuy ? ORDER_TYPE_SELL : ORDER_TYPE_BUY;
   request.price = isBuy ? tick.bid : tick.ask;
   request.deviation = deviation;
   request.magic = (ulong)PositionGetInteger(POSITION_MAGIC);
   return CT_SendWithFilling(request, result);
  }

// Set SL/TP of the open position `ticket`.
bool CT_ModifyPosition(ulong ticket, double sl, double tp, MqlTradeResult &result)
  {
   MqlTradeRequest request;
   ZeroMemory(request);
   ZeroMemory(result);
   if(!PositionSelectByTicket(ticket))
     {
      result.retcode = 10036;
      result.comment = "position already closed";
      return false;
     }
   request.action = TRADE_ACTION_SLTP;
   request.position = ticket;
   request.symbol = PositionGetString(POSITION_SYMBOL);
   request.sl = sl;
   request.tp = tp;
   request.magic = (ulong)PositionGetInteger(POSITION_MAGIC);
   bool sent = OrderSend(request, result);
   return sent && CT_RetcodeDone(result.retcode);
  }

// Net result of one deal: profit + swap + commission + fee.
double CT_DealNetProfit(ulong deal)
  {
   return HistoryDealGetDouble(deal, DEAL_PROFIT) + HistoryDealGetDouble(deal, DEAL_SWAP) +
          HistoryDealGetDouble(deal, DEAL_COMMISSION) + HistoryDealGetDouble(deal, DEAL_FEE);
  }

// The protocol's close reason for a deal's DEAL_REASON.
string CT_ReasonOf(long dealReason)
  {
   if(dealReason == DEAL_REASON_CLIENT || dealReason == DEAL_REASON_MOBILE ||
      dealReason == DEAL_REASON_WEB)
      return "CLIENT";
   if(dealReason == DEAL_REASON_EXPERT)
      return "EXPERT";
   if(dealReason == DEAL_REASON_SL)
      return "SL";
   if(dealReason == DEAL_REASON_TP)
      return "TP";
   if(dealReason == DEAL_REASON_SO)
      return "SO";
   return "OTHER";
  }

bool CT_IsExitEntry(long entry)
  {
   return entry == DEAL_ENTRY_OUT || entry == DEAL_ENTRY_OUT_BY || entry == DEAL_ENTRY_INOUT;
  }

// Whether this EA may trade now (terminal button, EA properties, account).
bool CT_TradingAllowed(string &why)
  {
   why = "";
   if(!TerminalInfoInteger(TERMINAL_TRADE_ALLOWED))
      why = "Algo Trading is switched off in the terminal";
   else if(!MQLInfoInteger(MQL_TRADE_ALLOWED))
      why = "the EA is not allowed to trade (EA properties > Common > Allow Algo Trading)";
   else if(!AccountInfoInteger(ACCOUNT_TRADE_EXPERT))
      why = "the broker does not allow EAs on this account";
   else if(!AccountInfoInteger(ACCOUNT_TRADE_ALLOWED))
      why = "trading is not allowed on this account (investor password?)";
   return why == "";
  }

#endif
