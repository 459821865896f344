/* <pgmi:meta xmlns:pgmi="https://pgmi.com/pgmi-metadata/v1"> */
