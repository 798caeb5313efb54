"""Spreadsheets in and out: readers for .xlsx/.xls/.ods/.csv, and workbook writers."""
